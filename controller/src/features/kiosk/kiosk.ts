/**
 * Residents' kiosk presses: each is stored exactly once and answered with a receipt, so the kiosk can show the
 * press was received and stop re-sending it.
 *
 * A press is keyed by (compound, kiosk, boot, seq, variant). Only a true re-send — same key, same button, same
 * device time — is a duplicate. A press that reuses (boot, seq) with other content (a reflashed kiosk, a gateway
 * without a real-time clock that started its counter over) is a real press: it is stored under the next variant
 * and raises `kiosk.health` so staff can look at the kiosk.
 */
import { KIOSK_BUTTONS, PROTOCOL_VERSION, formatError, topic, type DeviceAddress, type KioskButton, type KioskEvent } from '@caideng/protocol';
import { Feature, type FeatureContext } from '../feature.js';
import type { BusPublisher } from '../../broker/ports.js';

export class KioskPresses extends Feature {
  /** `seqReused`: presses stored under a key another press already had (each also raised `kiosk.health`). */
  readonly counters = { stored: 0, duplicates: 0, seqReused: 0, unmapped: 0 };

  constructor(
    ctx: FeatureContext,
    private readonly broker: BusPublisher,
    /** The kiosk's button map (registry `buttons`); a press of another button is refused, not stored. */
    private readonly buttonsOf: (compound: string, kiosk: string) => readonly KioskButton[] = () => KIOSK_BUTTONS,
  ) {
    super(ctx, 'kiosk');
  }

  override async start(): Promise<void> {
    this.ctx.bus.on('kiosk.event', this, ({ address, event, receivedAt }) => this.onPress(address, event, receivedAt));
  }

  private async onPress(address: DeviceAddress, event: KioskEvent, receivedAt: number): Promise<void> {
    const buttons = this.buttonsOf(address.compound, address.device);
    if (!buttons.includes(event.button)) return this.refuseUnmapped(address, event, receivedAt, buttons);
    const boot = event.boot ?? '';
    // One transaction: the lookup and the insert see no other press in between (SQLite serialises the
    // connection), so two copies of one press arriving together are still stored once.
    const variant = await this.ctx.db.transaction().execute(async (trx) => {
      const earlier = await trx
        .selectFrom('kiosk_presses')
        .select(['variant', 'button', 'device_ts'])
        .where('compound_id', '=', address.compound)
        .where('kiosk_id', '=', address.device)
        .where('boot', '=', boot)
        .where('seq', '=', event.seq)
        .execute();
      if (earlier.some((p) => p.button === event.button && Number(p.device_ts) === event.ts)) return null;
      const next = earlier.reduce((max, p) => Math.max(max, Number(p.variant) + 1), 0);
      await trx
        .insertInto('kiosk_presses')
        .values({
          compound_id: address.compound,
          kiosk_id: address.device,
          boot,
          seq: event.seq,
          variant: next,
          button: event.button,
          device_ts: event.ts,
          received_at: receivedAt,
        })
        .execute();
      return next;
    });
    const stored = variant !== null;
    if (stored) this.announce(address, event, receivedAt, variant);
    else this.counters.duplicates++;
    await this.broker.publish(address, 'receipt', {
      v: PROTOCOL_VERSION,
      seq: event.seq,
      ...(event.boot !== undefined ? { boot: event.boot } : {}),
      status: stored ? 'stored' : 'duplicate',
      ts: Date.now(),
    });
  }

  /** A button the kiosk does not have: answered on its error topic (no receipt: it was not stored). */
  private async refuseUnmapped(address: DeviceAddress, event: KioskEvent, at: number, buttons: readonly KioskButton[]): Promise<void> {
    this.counters.unmapped++;
    const code = 'CAIDENG_MQTT_BUTTON_NOT_MAPPED';
    const reason = formatError(code, event.button, address.device, buttons.join(', '));
    const eventTopic = topic(address, 'event');
    this.ctx.bus.emit('message.rejected', { identity: { ...address, username: `${address.compound}/${address.role}/${address.device}` }, topic: eventTopic, code, reason, at });
    await this.broker.publish(address, 'error', { v: PROTOCOL_VERSION, ts: Date.now(), code, reason, topic: eventTopic });
  }

  /** Counts a stored press and tells the bus, before the receipt goes out (the store and the bus agree even if it fails). */
  private announce(address: DeviceAddress, event: KioskEvent, receivedAt: number, variant: number): void {
    this.counters.stored++;
    const boot = event.boot ?? null;
    const { compound, device: kiosk } = address;
    if (variant > 0) {
      this.counters.seqReused++;
      this.log.warn({ compound, kiosk, seq: event.seq, boot, variant }, 'kiosk reused a press number for another press');
      this.ctx.bus.emit('kiosk.health', { compound, kiosk, kind: 'seq_reused', seq: event.seq, boot, at: receivedAt });
    }
    this.ctx.bus.emit('press.stored', {
      press: { compound, kiosk, button: event.button, seq: event.seq, ts: event.ts, receivedAt, boot, variant },
    });
  }

  /** The latest presses, newest first (the dashboard's feed when a page opens). */
  async recent(limit: number, compound?: string): Promise<Array<{ ts: number; compound: string; kiosk: string; button: KioskButton; seq: number }>> {
    let q = this.ctx.db.selectFrom('kiosk_presses').select(['compound_id', 'kiosk_id', 'button', 'seq', 'device_ts']);
    if (compound) q = q.where('compound_id', '=', compound);
    const rows = await q.orderBy('received_at', 'desc').limit(limit).execute();
    return rows.map((r) => ({ ts: Number(r.device_ts), compound: r.compound_id, kiosk: r.kiosk_id, button: r.button as KioskButton, seq: Number(r.seq) }));
  }

  async count(compound?: string): Promise<number> {
    let q = this.ctx.db.selectFrom('kiosk_presses').select((eb) => eb.fn.countAll<number>().as('n'));
    if (compound) q = q.where('compound_id', '=', compound);
    const row = await q.executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
