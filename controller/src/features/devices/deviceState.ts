/**
 * Live state and availability of every device, as the controller knows it. Changes go out on the bus
 * (`state.changed`, `availability.changed`) and are persisted in batches, so the last known state
 * survives a restart.
 */
import type { CompoundSummary, DeviceKind, DeviceStatus } from '@caideng/protocol';
import { Feature, type FeatureContext } from '../feature.js';
import type { Registry } from '../../registry/registry.js';
import type { BusPublisher } from '../../broker/ports.js';
import { CompoundSummaries } from './summaries.js';

export class DeviceState extends Feature {
  private readonly devices = new Map<string, DeviceStatus>();
  /** Kept up to date on every change (not recounted over the city). */
  private readonly totals = new CompoundSummaries();
  /** Availability or state changed: persisted within a second. */
  private readonly dirty = new Set<string>();
  /** Only metering changed (watts, faults, seen): persisted every 30 s, it is refreshed by the next telemetry anyway. */
  private readonly dirtyMetering = new Set<string>();
  private meteringTimer: NodeJS.Timeout | null = null;
  private flushTimer: NodeJS.Timeout | null = null;

  constructor(
    ctx: FeatureContext,
    private readonly registry: Registry,
    private readonly broker: BusPublisher,
  ) {
    super(ctx, 'device-state');
  }

  override async start(): Promise<void> {
    const now = Date.now();
    const persisted = new Map(
      (await this.ctx.db.selectFrom('device_status').selectAll().execute()).map((r) => [r.username, r]),
    );
    for (const c of this.registry.county.compounds) {
      this.totals.addCompound(c.id);
      const add = (kind: DeviceKind, id: string) => {
        const key = `${c.id}/${kind}/${id}`;
        const row = persisted.get(key);
        // Nothing is online until it connects to this process; the last state is kept for display.
        const status: DeviceStatus = { compound: c.id, kind, id, online: false, since: row?.since ?? now };
        if (row?.state_json) status.state = JSON.parse(row.state_json);
        if (row?.watts != null) status.watts = row.watts;
        if (row?.faults_json) status.faults = JSON.parse(row.faults_json);
        if (row?.seen_at != null) status.seenAt = row.seen_at;
        this.devices.set(key, status);
        this.totals.addDevice(status);
      };
      for (const g of c.groups) add('group', g.id);
      for (const k of c.kiosks) add('kiosk', k.id);
      for (const b of c.bridges) add('bridge', b.id);
    }
    const { bus } = this.ctx;
    bus.on('device.availability', this, ({ address, availability, receivedAt }) => {
      if (address.role === 'monitor') return;
      const key = `${address.compound}/${address.role}/${address.device}`;
      this.update(key, (s) => {
        const online = availability.state === 'online';
        if (s.online !== online) s.since = receivedAt;
        s.online = online;
        s.seenAt = receivedAt;
      });
      if (address.role === 'bridge' && availability.state === 'offline') this.bridgeDown(key, receivedAt);
    });
    bus.on('device.disconnected', this, ({ identity, hadWill, shutdown, at }) => {
      if (identity.role === 'monitor') return;
      const key = `${identity.compound}/${identity.role}/${identity.device}`;
      this.update(key, (s) => {
        if (s.online) s.since = at;
        s.online = false;
      });
      if (identity.role === 'bridge' && !shutdown) this.bridgeDown(key, at);
      // The device's last session ended without its will saying so: a retained "offline" for other subscribers.
      // Not at shutdown: nothing can be delivered then, and the retained store ends with the process.
      if (!hadWill && !shutdown) {
        this.broker
          .publish(identity, 'availability', { v: 1, state: 'offline', ts: at }, true)
          .catch((err: unknown) => this.log.warn({ err }, 'could not publish offline availability'));
      }
    });
    bus.on('group.state', this, ({ address, state, receivedAt }) => {
      this.update(`${address.compound}/group/${address.device}`, (s) => {
        s.state = state;
        s.seenAt = receivedAt;
      });
    });
    // The hot path (thousands a second): no closure per message.
    bus.on('group.telemetry', this, ({ address, telemetry, receivedAt }) => {
      const key = `${address.compound}/group/${address.device}`;
      const s = this.devices.get(key);
      if (!s) return;
      const wasOnline = s.online;
      s.watts = telemetry.watts;
      s.faults = telemetry.faults;
      s.telemetryTs = telemetry.ts;
      s.seenAt = receivedAt;
      this.changed(key, s, wasOnline, true);
    });
    this.flushTimer = setInterval(() => void this.flush(this.dirty), 1000);
    this.flushTimer.unref();
    this.meteringTimer = setInterval(() => void this.flush(this.dirtyMetering), 30_000);
    this.meteringTimer.unref();
  }

  override async stop(): Promise<void> {
    await super.stop();
    if (this.flushTimer) clearInterval(this.flushTimer);
    if (this.meteringTimer) clearInterval(this.meteringTimer);
    this.flushTimer = null;
    this.meteringTimer = null;
    for (const k of this.dirty) this.dirtyMetering.delete(k);
    await this.flush(this.dirty);
    await this.flush(this.dirtyMetering);
  }

  /** Registered devices. */
  get size(): number {
    return this.devices.size;
  }

  /**
   * A bridge went offline: the groups and kiosks it speaks for are unreachable through it, whatever their last
   * retained availability said. They are marked offline here and on the bus (retained), until the bridge (or
   * the device itself) announces them online again.
   */
  private bridgeDown(bridgeKey: string, at: number): void {
    for (const key of this.registry.servedBy(bridgeKey)) {
      const status = this.devices.get(key);
      if (!status?.online) continue;
      this.update(key, (s) => {
        s.since = at;
        s.online = false;
      });
      const [compound, role, device] = key.split('/') as [string, 'group' | 'kiosk', string];
      this.broker
        .publish({ compound, role, device }, 'availability', { v: 1, state: 'offline', ts: at }, true)
        .catch((err: unknown) => this.log.warn({ err, device: key }, 'could not publish offline availability'));
    }
  }

  get(key: string): DeviceStatus | undefined {
    return this.devices.get(key);
  }

  list(compound?: string): DeviceStatus[] {
    const out: DeviceStatus[] = [];
    for (const s of this.devices.values()) if (!compound || s.compound === compound) out.push(s);
    return out;
  }

  /** Every compound's live summary, in registry order. */
  summaries(): CompoundSummary[] {
    return this.totals.list();
  }

  /** One compound's live summary. */
  summary(compound: string): CompoundSummary | undefined {
    return this.totals.get(compound);
  }

  /** A group's last start skew (SyncMonitor), shown on its tile; not persisted: the next show measures again. */
  setSkew(compound: string, group: string, skewMs: number): void {
    this.update(`${compound}/group/${group}`, (s) => {
      s.skewMs = skewMs;
    });
  }

  private update(key: string, mutate: (s: DeviceStatus) => void): void {
    const status = this.devices.get(key);
    if (!status) return;
    const wasOnline = status.online;
    mutate(status);
    this.changed(key, status, wasOnline, false);
  }

  /** After a device's status changed: marked for the store, announced on the bus. */
  private changed(key: string, status: DeviceStatus, wasOnline: boolean, meteringOnly: boolean): void {
    (meteringOnly ? this.dirtyMetering : this.dirty).add(key);
    this.totals.update(status);
    const { bus } = this.ctx;
    bus.emit('state.changed', { status, meteringOnly });
    if (status.online !== wasOnline) {
      bus.emit('availability.changed', { compound: status.compound, kind: status.kind, id: status.id, online: status.online, at: status.since });
    }
  }

  private async flush(set: Set<string>): Promise<void> {
    if (set.size === 0) return;
    const keys = [...set];
    set.clear();
    if (set === this.dirty) for (const k of keys) this.dirtyMetering.delete(k);
    const rows = keys.flatMap((k) => {
      const s = this.devices.get(k);
      if (!s) return [];
      return [
        {
          username: k,
          online: s.online ? 1 : 0,
          since: s.since,
          state_json: s.state ? JSON.stringify(s.state) : null,
          watts: s.watts ?? null,
          faults_json: s.faults ? JSON.stringify(s.faults) : null,
          seen_at: s.seenAt ?? null,
        },
      ];
    });
    try {
      // Multi-row upserts of 100 devices, each its own short statement, yielding in between so a county's
      // worth of rows never holds up acks and pushes.
      for (let i = 0; i < rows.length; i += 100) {
        if (i > 0) await new Promise((r) => setImmediate(r));
        await this.ctx.db
            .insertInto('device_status')
            .values(rows.slice(i, i + 100))
            .onConflict((oc) =>
              oc.column('username').doUpdateSet((eb) => ({
                online: eb.ref('excluded.online'),
                since: eb.ref('excluded.since'),
                state_json: eb.ref('excluded.state_json'),
                watts: eb.ref('excluded.watts'),
                faults_json: eb.ref('excluded.faults_json'),
                seen_at: eb.ref('excluded.seen_at'),
              })),
            )
            .execute();
      }
    } catch (err) {
      for (const k of keys) set.add(k);
      this.log.error({ err }, 'could not persist device state');
    }
  }
}
