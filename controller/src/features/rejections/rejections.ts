/**
 * Rejected bus messages: counted by code, the latest kept in memory for the API, and all stored
 * (batched) so an operator can see which device sends what garbage.
 */
import { randomUUID } from 'node:crypto';
import { Feature, type FeatureContext } from '../feature.js';
import type { RejectionTable } from '../../store/schema.js';

export interface RejectionView {
  ts: number;
  username: string | null;
  topic: string;
  code: string;
  reason: string;
}

const RECENT = 200;

export class Rejections extends Feature {
  private readonly recentList: RejectionView[] = [];
  private buffer: RejectionTable[] = [];
  private timer: NodeJS.Timeout | null = null;
  readonly byCode: Record<string, number> = {};
  total = 0;

  constructor(ctx: FeatureContext) {
    super(ctx, 'rejections');
  }

  override async start(): Promise<void> {
    this.ctx.bus.on('message.rejected', this, ({ identity, topic, code, reason, at }) => {
      this.total++;
      this.byCode[code] = (this.byCode[code] ?? 0) + 1;
      const view = { ts: at, username: identity?.username ?? null, topic: topic.slice(0, 512), code, reason: reason.slice(0, 1024) };
      this.recentList.push(view);
      if (this.recentList.length > RECENT) this.recentList.shift();
      if (this.buffer.length < 10_000) this.buffer.push({ id: randomUUID(), ...view });
    });
    this.timer = setInterval(() => void this.flush(), 1000);
    this.timer.unref();
  }

  override async stop(): Promise<void> {
    await super.stop();
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }

  recent(limit = 50): RejectionView[] {
    return this.recentList.slice(-limit).reverse();
  }

  async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const rows = this.buffer;
    this.buffer = [];
    try {
      await this.ctx.db.transaction().execute(async (trx) => {
        for (let i = 0; i < rows.length; i += 200) await trx.insertInto('rejections').values(rows.slice(i, i + 200)).execute();
      });
    } catch (err) {
      this.log.error({ err }, 'could not store rejections');
    }
  }
}
