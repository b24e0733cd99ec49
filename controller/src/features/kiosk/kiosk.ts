/**
 * Residents' kiosk presses: each is stored exactly once, keyed by (compound, kiosk, seq), and
 * answered with a receipt so the kiosk can show the press was received and stop re-sending it.
 */
import { PROTOCOL_VERSION } from '@caideng/protocol';
import { Feature, type FeatureContext } from '../feature.js';
import type { BusPublisher } from '../../broker/ports.js';

export class KioskPresses extends Feature {
  readonly counters = { stored: 0, duplicates: 0 };

  constructor(
    ctx: FeatureContext,
    private readonly broker: BusPublisher,
  ) {
    super(ctx, 'kiosk');
  }

  override async start(): Promise<void> {
    this.ctx.bus.on('kiosk.event', this, async ({ address, event, receivedAt }) => {
      const result = await this.ctx.db
        .insertInto('kiosk_presses')
        .values({
          compound_id: address.compound,
          kiosk_id: address.device,
          seq: event.seq,
          button: event.button,
          device_ts: event.ts,
          received_at: receivedAt,
        })
        .onConflict((oc) => oc.columns(['compound_id', 'kiosk_id', 'seq']).doNothing())
        .executeTakeFirst();
      const stored = Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
      if (stored) this.counters.stored++;
      else this.counters.duplicates++;
      await this.broker.publish(address, 'receipt', { v: PROTOCOL_VERSION, seq: event.seq, status: stored ? 'stored' : 'duplicate', ts: Date.now() });
      if (stored) {
        this.ctx.bus.emit('press.stored', {
          press: { compound: address.compound, kiosk: address.device, button: event.button, seq: event.seq, ts: event.ts, receivedAt },
        });
      }
    });
  }

  async count(compound?: string): Promise<number> {
    let q = this.ctx.db.selectFrom('kiosk_presses').select((eb) => eb.fn.countAll<number>().as('n'));
    if (compound) q = q.where('compound_id', '=', compound);
    const row = await q.executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
