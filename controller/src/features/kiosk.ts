/**
 * Residents' kiosk presses: each is stored exactly once, keyed by (compound, kiosk, seq), and
 * answered with a receipt so the kiosk can show the press was received and stop re-sending it.
 */
import { PROTOCOL_VERSION, type KioskButton } from '@caideng/protocol';
import { Feature, type FeatureContext } from './feature.js';
import type { Broker } from '../broker/broker.js';

export interface Press {
  compound: string;
  kiosk: string;
  button: KioskButton;
  seq: number;
  ts: number;
}

export class KioskPresses extends Feature {
  private readonly listeners = new Set<(press: Press) => void>();
  readonly counters = { stored: 0, duplicates: 0 };

  constructor(
    ctx: FeatureContext,
    private readonly broker: Broker,
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
        const press = { compound: address.compound, kiosk: address.device, button: event.button, seq: event.seq, ts: event.ts };
        for (const l of this.listeners) l(press);
      }
    });
  }

  onPress(listener: (press: Press) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async count(compound?: string): Promise<number> {
    let q = this.ctx.db.selectFrom('kiosk_presses').select((eb) => eb.fn.countAll<number>().as('n'));
    if (compound) q = q.where('compound_id', '=', compound);
    const row = await q.executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
