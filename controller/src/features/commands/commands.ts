/**
 * Commands to lantern groups: one command targets one group or many groups of a compound, is
 * published to each group's `set` topic with one tx, and is tracked per group until acked, expired
 * or timed out. Every delivery and its outcome is stored.
 */
import { randomUUID } from 'node:crypto';
import { CaidengError, PROTOCOL_VERSION, type GroupCommand, type SceneRef } from '@caideng/protocol';
import { Feature, type FeatureContext } from '../feature.js';
import type { Registry } from '../../registry/registry.js';
import type { BusPublisher } from '../../broker/ports.js';
import type { SceneLibrary } from '../scenes/sceneLibrary.js';
import type { CommandDeliveryTable } from '../../store/schema.js';
import type { SettledDelivery } from '../../bus/eventBus.js';

export interface CommandRequest {
  power?: 'on' | 'off';
  brightness?: number;
  scene?: SceneRef;
  startAt?: number;
  expiresAt?: number;
  transitionMs?: number;
  /** Target groups; all groups of the compound when absent. */
  groups?: string[];
}

export type DeliveryStatus = CommandDeliveryTable['status'];

export interface Delivery {
  group: string;
  status: DeliveryStatus;
  sentAt: number;
  ackedAt: number | null;
  latencyMs: number | null;
  code: string | null;
  error: string | null;
}

export interface CommandRecord {
  id: string;
  compound: string;
  issuedAt: number;
  command: Omit<GroupCommand, 'tx' | 'ts' | 'v'>;
  deliveries: Delivery[];
  pending: number;
}

interface Pending {
  commandId: string;
  compound: string;
  group: string;
  sentAt: number;
}

export class Commands extends Feature {
  private readonly pending = new Map<string, Pending>();
  private readonly waiters = new Map<string, Array<() => void>>();
  private readonly remaining = new Map<string, number>();
  private sweepTimer: NodeJS.Timeout | null = null;
  readonly counters = { sent: 0, acked: 0, timeouts: 0, unknownAcks: 0 };

  constructor(
    ctx: FeatureContext,
    private readonly registry: Registry,
    private readonly broker: BusPublisher,
    private readonly scenes: SceneLibrary,
  ) {
    super(ctx, 'commands');
  }

  override async start(): Promise<void> {
    this.ctx.bus.on('group.ack', this, async ({ address, ack, receivedAt }) => {
      const key = `${ack.tx}/${address.compound}/${address.device}`;
      const p = this.pending.get(key);
      if (!p) {
        this.counters.unknownAcks++;
        return;
      }
      this.pending.delete(key);
      this.counters.acked++;
      try {
        await this.ctx.db
          .updateTable('command_deliveries')
          .set({ status: ack.status, acked_at: receivedAt, code: ack.code ?? null, error: ack.error ?? null })
          .where('command_id', '=', p.commandId)
          .where('compound_id', '=', p.compound)
          .where('group_id', '=', p.group)
          .execute();
      } finally {
        // Whoever waits for the command is answered even if storing this ack failed (the bus logs the error).
        this.settle(p, ack.status, receivedAt, ack.code ?? null, ack.error ?? null);
      }
    });
    this.sweepTimer = setInterval(() => void this.sweep(), 500);
    this.sweepTimer.unref();
  }

  override async stop(): Promise<void> {
    await super.stop();
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    for (const list of this.waiters.values()) for (const w of list) w();
    this.waiters.clear();
  }

  /** Sends a command; resolves once it is stored and published (not acked — see `wait`). */
  async send(compound: string, request: CommandRequest): Promise<{ id: string; targets: string[] }> {
    const info = this.registry.compound(compound);
    if (!info) throw new CaidengError('CAIDENG_ERR_COMPOUND_NOT_FOUND', [compound]);
    if (request.power === undefined && request.brightness === undefined && request.scene === undefined) {
      throw new CaidengError('CAIDENG_ERR_EMPTY_COMMAND');
    }
    const targets = request.groups ?? info.groups.map((g) => g.id);
    if (targets.length === 0) throw new CaidengError('CAIDENG_ERR_NO_GROUPS', [compound]);
    for (const g of targets) {
      if (!this.registry.group(compound, g)) throw new CaidengError('CAIDENG_ERR_GROUP_NOT_FOUND', [g, compound]);
    }
    if (request.scene) await this.scenes.check(request.scene, request.startAt);
    const id = randomUUID();
    const now = Date.now();
    const command: GroupCommand = {
      v: PROTOCOL_VERSION,
      tx: id,
      ts: now,
      ...(request.power !== undefined ? { power: request.power } : {}),
      ...(request.brightness !== undefined ? { brightness: request.brightness } : {}),
      ...(request.scene !== undefined ? { scene: request.scene } : {}),
      ...(request.startAt !== undefined ? { startAt: request.startAt } : {}),
      expiresAt: request.expiresAt ?? now + this.ctx.config.commands.defaultExpiryMs,
      ...(request.transitionMs !== undefined ? { transitionMs: request.transitionMs } : {}),
    };
    const { v: _v, tx: _tx, ts: _ts, ...body } = command;
    await this.ctx.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('commands')
        .values({ id, compound_id: compound, issued_at: now, body_json: JSON.stringify(body), targets: targets.length })
        .execute();
      await trx
        .insertInto('command_deliveries')
        .values(targets.map((g) => ({ command_id: id, compound_id: compound, group_id: g, status: 'sent' as const, sent_at: now, acked_at: null, code: null, error: null })))
        .execute();
    });
    this.remaining.set(id, targets.length);
    for (const g of targets) this.pending.set(`${id}/${compound}/${g}`, { commandId: id, compound, group: g, sentAt: now });
    this.counters.sent += targets.length;
    await Promise.all(targets.map((g) => this.broker.publish({ compound, role: 'group', device: g }, 'set', command)));
    return { id, targets };
  }

  /** Resolves when every delivery of the command is settled (acked or timed out), or after `timeoutMs`. */
  wait(id: string, timeoutMs: number): Promise<void> {
    if (!this.remaining.has(id)) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      const list = this.waiters.get(id) ?? [];
      list.push(done);
      this.waiters.set(id, list);
      function done() {
        clearTimeout(timer);
        resolve();
      }
    });
  }

  async get(id: string): Promise<CommandRecord | null> {
    const cmd = await this.ctx.db.selectFrom('commands').selectAll().where('id', '=', id).executeTakeFirst();
    if (!cmd) return null;
    const rows = await this.ctx.db.selectFrom('command_deliveries').selectAll().where('command_id', '=', id).orderBy('group_id').execute();
    const deliveries: Delivery[] = rows.map((r) => ({
      group: r.group_id,
      status: r.status,
      sentAt: Number(r.sent_at),
      ackedAt: r.acked_at === null ? null : Number(r.acked_at),
      latencyMs: r.acked_at === null ? null : Number(r.acked_at) - Number(r.sent_at),
      code: r.code,
      error: r.error,
    }));
    return {
      id,
      compound: cmd.compound_id,
      issuedAt: Number(cmd.issued_at),
      command: JSON.parse(cmd.body_json),
      deliveries,
      pending: deliveries.filter((d) => d.status === 'sent').length,
    };
  }

  private settle(p: Pending, status: SettledDelivery['status'], settledAt: number, code: string | null, error: string | null): void {
    const commandId = p.commandId;
    const left = Math.max(0, (this.remaining.get(commandId) ?? 1) - 1);
    this.ctx.bus.emit('command.settled', {
      delivery: { commandId, compound: p.compound, group: p.group, status, sentAt: p.sentAt, settledAt, code, error },
      remaining: left,
    });
    if (left > 0) {
      this.remaining.set(commandId, left);
      return;
    }
    this.remaining.delete(commandId);
    const list = this.waiters.get(commandId);
    this.waiters.delete(commandId);
    for (const w of list ?? []) w();
  }

  private async sweep(now = Date.now()): Promise<void> {
    const limit = this.ctx.config.commands.ackTimeoutMs;
    for (const [key, p] of this.pending) {
      if (now - p.sentAt < limit) continue;
      this.pending.delete(key);
      this.counters.timeouts++;
      try {
        await this.ctx.db
          .updateTable('command_deliveries')
          .set({ status: 'timeout' })
          .where('command_id', '=', p.commandId)
          .where('compound_id', '=', p.compound)
          .where('group_id', '=', p.group)
          .where('status', '=', 'sent')
          .execute();
      } catch (err) {
        this.log.error({ err }, 'could not mark delivery timed out');
      }
      this.settle(p, 'timeout', now, null, null);
    }
  }
}
