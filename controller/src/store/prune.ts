/**
 * Pruning by age, in chunks: each chunk is one short DELETE, with a turn of the event loop between two,
 * so removing a city's day of telemetry never stalls acks and pushes for seconds. Portable SQL only: the
 * chunk's upper bound is read through the time index (ORDER BY … LIMIT 1 OFFSET n), then the rows up to it
 * are deleted; no SQLite `rowid`.
 */
import type { Kysely } from 'kysely';
import type { Db } from './db.js';
import { yieldToEventLoop } from './writeQueue.js';

/** The tables pruned by age, and their indexed time column. */
const PRUNABLE = {
  telemetry: 'received_at',
  rejections: 'ts',
  deadlines: 'finished_at',
  metric_points: 'ts',
  metric_minute: 'ts',
  metric_hour: 'ts',
  metric_day: 'ts',
  lit_history: 'at',
} as const;
export type PrunableTable = keyof typeof PRUNABLE;

export interface PruneOptions {
  /** About this many rows per DELETE (more when many rows share the boundary's time). */
  chunkRows: number;
  /** Checked between chunks: true ends the prune early (the controller is stopping). */
  stopRequested?: () => boolean;
}

/** Deletes the rows of `table` older than `cutoff` (epoch ms); resolves with how many went. */
export async function pruneOlderThan(db: Db, table: PrunableTable, cutoff: number, options: PruneOptions): Promise<number> {
  const column = PRUNABLE[table];
  // The three tables differ; the statements below only touch the time column they all have.
  const loose = db as unknown as Kysely<Record<PrunableTable, Record<typeof column, number | null>>>;
  let deleted = 0;
  for (let chunk = 0; ; chunk++) {
    if (chunk > 0) {
      await yieldToEventLoop();
      if (options.stopRequested?.()) return deleted;
    }
    const boundary = await loose
      .selectFrom(table)
      .select(column)
      .where(column, '<', cutoff)
      .orderBy(column)
      .limit(1)
      .offset(options.chunkRows - 1)
      .executeTakeFirst();
    const upTo = boundary?.[column] ?? null;
    // One bound only: with both, SQLite walks the index from the start to the cutoff on every chunk.
    const query = upTo === null ? loose.deleteFrom(table).where(column, '<', cutoff) : loose.deleteFrom(table).where(column, '<=', upTo);
    const result = await query.executeTakeFirst();
    deleted += Number(result.numDeletedRows);
    // Fewer than a chunk were left: that was the last one.
    if (upTo === null) return deleted;
  }
}
