/**
 * The outbox: batches of points the metrics store could not take (InfluxDB down or slow), on disk in the
 * controller's SQLite database so they survive a restart, oldest first. Bounded in points: past
 * `warnShare` of the bound it warns (log and counter); when a new batch would pass the bound the oldest
 * batches are dropped, counted and logged (docs/metrics.md: the newest points are the ones people look
 * at, and the oldest are the likeliest to be past the raw retention anyway).
 */
import type { Generated, Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Db } from '../../store/db.js';
import { oncePer } from '../../store/writeQueue.js';
import type { MetricPoint } from './catalog.js';

interface OutboxTable {
  id: Generated<number>;
  points: number;
  min_ts: number;
  max_ts: number;
  body: string;
}

export interface OutboxBatch {
  id: number;
  points: MetricPoint[];
  minTs: number;
  maxTs: number;
}

export interface OutboxCounters {
  outboxPoints: number;
  outboxBatches: number;
  /** Points dropped because the outbox was full. */
  outboxDropped: number;
  /** 1 while the outbox holds more than its warning share. */
  outboxNearFull: number;
}

export class Outbox {
  readonly counters: OutboxCounters = { outboxPoints: 0, outboxBatches: 0, outboxDropped: 0, outboxNearFull: 0 };
  private readonly db: Kysely<{ metric_outbox: OutboxTable }>;
  private readonly warn = oncePer(30_000);

  constructor(
    db: Db,
    private readonly maxPoints: number,
    private readonly warnShare: number,
    private readonly log: Logger,
  ) {
    this.db = db.withTables<{ metric_outbox: OutboxTable }>() as unknown as Kysely<{ metric_outbox: OutboxTable }>;
  }

  get points(): number {
    return this.counters.outboxPoints;
  }

  /** Reads the size of what a previous run left. */
  async open(): Promise<void> {
    const row = await this.db
      .selectFrom('metric_outbox')
      .select((eb) => [eb.fn.countAll<number>().as('batches'), eb.fn.sum<number>('points').as('points')])
      .executeTakeFirst();
    this.counters.outboxBatches = Number(row?.batches ?? 0);
    this.counters.outboxPoints = Number(row?.points ?? 0);
    if (this.counters.outboxPoints > 0) this.log.info({ points: this.counters.outboxPoints, batches: this.counters.outboxBatches }, 'metrics outbox holds points from before; replaying');
  }

  async append(points: readonly MetricPoint[]): Promise<void> {
    if (points.length === 0) return;
    let minTs = Infinity;
    let maxTs = -Infinity;
    for (const p of points) {
      if (p.ts < minTs) minTs = p.ts;
      if (p.ts > maxTs) maxTs = p.ts;
    }
    while (this.counters.outboxBatches > 0 && this.counters.outboxPoints + points.length > this.maxPoints) await this.dropOldest();
    await this.db.insertInto('metric_outbox').values({ points: points.length, min_ts: minTs, max_ts: maxTs, body: JSON.stringify(points) }).execute();
    this.counters.outboxBatches++;
    this.counters.outboxPoints += points.length;
    this.checkBound();
  }

  /** The oldest batch, or null. */
  async peek(): Promise<OutboxBatch | null> {
    const row = await this.db.selectFrom('metric_outbox').selectAll().orderBy('id').limit(1).executeTakeFirst();
    if (!row) return null;
    return { id: Number(row.id), points: JSON.parse(row.body) as MetricPoint[], minTs: Number(row.min_ts), maxTs: Number(row.max_ts) };
  }

  async remove(batch: OutboxBatch): Promise<void> {
    const result = await this.db.deleteFrom('metric_outbox').where('id', '=', batch.id).executeTakeFirst();
    if (Number(result.numDeletedRows) > 0) {
      this.counters.outboxBatches--;
      this.counters.outboxPoints -= batch.points.length;
    }
    this.checkBound();
  }

  private async dropOldest(): Promise<void> {
    const row = await this.db.selectFrom('metric_outbox').select(['id', 'points', 'min_ts', 'max_ts']).orderBy('id').limit(1).executeTakeFirst();
    if (!row) {
      this.counters.outboxBatches = 0;
      this.counters.outboxPoints = 0;
      return;
    }
    await this.db.deleteFrom('metric_outbox').where('id', '=', row.id).execute();
    this.counters.outboxBatches--;
    this.counters.outboxPoints -= Number(row.points);
    this.counters.outboxDropped += Number(row.points);
    this.log.error(
      { dropped: Number(row.points), from: Number(row.min_ts), to: Number(row.max_ts), outboxMax: this.maxPoints, droppedTotal: this.counters.outboxDropped },
      'metrics outbox full: dropped its oldest batch',
    );
  }

  private checkBound(): void {
    const near = this.counters.outboxPoints >= this.maxPoints * this.warnShare;
    this.counters.outboxNearFull = near ? 1 : 0;
    if (near && this.warn()) {
      this.log.warn({ points: this.counters.outboxPoints, outboxMax: this.maxPoints }, 'metrics outbox is nearly full: the metrics store has not taken points for a while');
    }
  }
}
