/**
 * Rejected bus messages: counted by code, the latest kept in memory for the API, and all stored
 * (batched) so an operator can see which device sends what garbage. The write buffer is bounded (a
 * flood of garbage while the store fails drops the oldest, counted); stored rows are pruned after
 * `storage.rejectionRetentionDays`.
 */
import { randomUUID } from 'node:crypto';
import { Feature, type FeatureContext } from '../feature.js';
import type { RejectionTable } from '../../store/schema.js';
import { PeriodicJob } from '../../store/jobs.js';
import { pruneOlderThan } from '../../store/prune.js';
import { WriteQueue, oncePer, yieldToEventLoop } from '../../store/writeQueue.js';

export interface RejectionView {
  ts: number;
  username: string | null;
  topic: string;
  code: string;
  reason: string;
}

export const RECENT_MAX = 200;
const BUFFER_MAX = 10_000;
const ROWS_PER_INSERT = 200;
const FLUSH_MS = 1000;

export interface RejectionCounters {
  stored: number;
  /** Rejections not stored: dropped from a full buffer, or unstored at stop. */
  dropped: number;
  flushFailures: number;
  pruned: number;
  pruneFailures: number;
}

export class Rejections extends Feature {
  private readonly recentList: RejectionView[] = [];
  private readonly queue = new WriteQueue<RejectionTable>(BUFFER_MAX);
  private readonly flushJob: PeriodicJob;
  private readonly pruneJob: PeriodicJob;
  private readonly dropWarning = oncePer(10_000);
  private flushing: Promise<void> | null = null;
  private pruning: Promise<number> | null = null;
  private stopped = false;
  readonly byCode: Record<string, number> = {};
  readonly counters: RejectionCounters = { stored: 0, dropped: 0, flushFailures: 0, pruned: 0, pruneFailures: 0 };
  total = 0;

  constructor(ctx: FeatureContext) {
    super(ctx, 'rejections');
    const { pruneIntervalMs } = ctx.config.storage;
    this.flushJob = new PeriodicJob({ what: 'store rejections', log: this.log, intervalMs: FLUSH_MS, maxBackoffMs: 30_000, run: () => this.flush() });
    this.pruneJob = new PeriodicJob({
      what: 'prune rejections',
      log: this.log,
      intervalMs: pruneIntervalMs,
      firstDelayMs: Math.min(pruneIntervalMs, 60_000),
      run: async () => {
        await this.prune();
      },
    });
  }

  override async start(): Promise<void> {
    this.ctx.bus.on('message.rejected', this, ({ identity, topic, code, reason, at }) => {
      this.total++;
      this.byCode[code] = (this.byCode[code] ?? 0) + 1;
      const view = { ts: at, username: identity?.username ?? null, topic: topic.slice(0, 512), code, reason: reason.slice(0, 1024) };
      this.recentList.push(view);
      if (this.recentList.length > RECENT_MAX) this.recentList.shift();
      if (this.queue.push({ id: randomUUID(), ...view })) {
        this.counters.dropped++;
        if (this.dropWarning()) this.log.warn({ dropped: this.counters.dropped, bufferMax: BUFFER_MAX }, 'rejection buffer full: dropping the oldest unstored rejections');
      }
    });
    this.flushJob.start();
    this.pruneJob.start();
  }

  override async stop(): Promise<void> {
    await super.stop();
    this.stopped = true;
    await this.flushJob.stop();
    await this.pruneJob.stop();
    await this.pruning?.catch(() => undefined);
    await this.flush().catch((err: unknown) => this.log.error({ err }, 'could not store rejections at stop'));
    const lost = this.queue.clear();
    if (lost > 0) this.counters.dropped += lost;
  }

  recent(limit = 50): RejectionView[] {
    return this.recentList.slice(-limit).reverse();
  }

  /** Stores the buffered rejections; rejects when the store fails (the rows stay buffered, in order). */
  flush(): Promise<void> {
    this.flushing ??= this.drain().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  /** Removes stored rejections older than the retention, in chunks; resolves with how many went. */
  prune(now = Date.now()): Promise<number> {
    this.pruning ??= this.pruneOnce(now).finally(() => {
      this.pruning = null;
    });
    return this.pruning;
  }

  private async drain(): Promise<void> {
    let budget = this.queue.size;
    for (let i = 0; budget > 0; i++) {
      const chunk = this.queue.next(ROWS_PER_INSERT);
      if (!chunk) return;
      if (i > 0) await yieldToEventLoop();
      try {
        await this.ctx.db.insertInto('rejections').values(chunk).execute();
      } catch (err) {
        this.counters.flushFailures++;
        throw err;
      }
      this.queue.done();
      this.counters.stored += chunk.length;
      budget -= chunk.length;
    }
  }

  private async pruneOnce(now: number): Promise<number> {
    const cutoff = now - this.ctx.config.storage.rejectionRetentionDays * 86_400_000;
    let rows: number;
    try {
      rows = await pruneOlderThan(this.ctx.db, 'rejections', cutoff, {
        chunkRows: this.ctx.config.storage.pruneChunkRows,
        stopRequested: () => this.stopped,
      });
    } catch (err) {
      this.counters.pruneFailures++;
      throw err;
    }
    this.counters.pruned += rows;
    if (rows > 0) this.log.info({ rows, cutoff }, 'pruned old rejections');
    return rows;
  }
}
