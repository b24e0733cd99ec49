/**
 * The embedded metrics store: SQLite, in the controller's own database. Raw points go through a writer
 * thread (store/batchWriter.ts, the one the telemetry uses) with an upsert, so a point written twice is
 * stored once. Roll-ups (minute from raw, hour from minute, day from hour) are recomputed for the ranges
 * that received points, a chunk per statement with a turn of the event loop between two; every level is
 * pruned by age in chunks (store/prune.ts). A query at a roll-up level reads the roll-up up to where it is
 * complete and the raw points after that.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Logger } from 'pino';
import { storeHealth, type Db } from '../../store/db.js';
import { BatchWriter } from '../../store/batchWriter.js';
import { pruneOlderThan, type PrunableTable } from '../../store/prune.js';
import { yieldToEventLoop } from '../../store/writeQueue.js';
import { BUCKET_MS, CATALOG, type Level, type Measurement, type MetricPoint, seriesKey } from './catalog.js';
import { alignDown, alignUp, fieldIndex, type BucketQuery, type BucketRow, type MetricsStore, type Retention } from './metricsStore.js';

export const METRIC_FIELDS = 7;
const VALUE_COLUMNS = Array.from({ length: METRIC_FIELDS }, (_, i) => `v${i}`);
const ROLLUP_LEVELS = ['minute', 'hour', 'day'] as const;
type RollupLevel = (typeof ROLLUP_LEVELS)[number];
/** Each level is computed from the one before it. */
const SOURCE: Record<RollupLevel, 'raw' | RollupLevel> = { minute: 'raw', hour: 'minute', day: 'hour' };
/** Time covered by one roll-up statement: short statements, so the write lock is never held long. */
const CHUNK_MS: Record<RollupLevel, number> = { minute: 10 * 60_000, hour: 6 * 3_600_000, day: 7 * 86_400_000 };

interface PointRow {
  measurement: string;
  series: string;
  ts: number;
  v0: number | null;
  v1: number | null;
  v2: number | null;
  v3: number | null;
  v4: number | null;
  v5: number | null;
  v6: number | null;
}
const COLUMNS = ['measurement', 'series', 'ts', ...VALUE_COLUMNS] as Array<keyof PointRow>;
const UPSERT = `ON CONFLICT (measurement, series, ts) DO UPDATE SET ${VALUE_COLUMNS.map((c) => `${c} = excluded.${c}`).join(', ')}`;

for (const [m, spec] of Object.entries(CATALOG)) {
  if (spec.fields.length > METRIC_FIELDS) throw new Error(`measurement ${m} has more fields than the store's ${METRIC_FIELDS} columns`);
}

export interface SqliteMetricsOptions {
  db: Db;
  log: Logger;
  retention: Retention;
  /** Raw points through a writer thread (file databases), or in the main thread. */
  writer: 'worker' | 'in-thread';
  pruneChunkRows: number;
  /** Points per transaction in the writer thread; default 200. */
  rowsPerTransaction?: number;
}

export class SqliteMetricsStore implements MetricsStore {
  readonly kind = 'sqlite' as const;
  private readonly writer: BatchWriter<PointRow>;
  private readonly loose: Kysely<Record<string, Record<string, unknown>>>;
  /** Per level: buckets before this are complete in the roll-up table. */
  private readonly rolled: Record<RollupLevel, number> = { minute: 0, hour: 0, day: 0 };
  /** The earliest point written since the last roll-up run (Infinity: none). */
  private dirtyFrom = Infinity;
  private written = 0;
  private closing = false;

  constructor(private readonly options: SqliteMetricsOptions) {
    const { file, writeLock } = storeHealth(options.db);
    this.loose = options.db as unknown as Kysely<Record<string, Record<string, unknown>>>;
    this.writer = new BatchWriter<PointRow>({
      name: 'metrics',
      shared: options.writer === 'worker' && file && writeLock ? { file, lock: writeLock } : null,
      db: options.db,
      table: 'metric_points',
      columns: COLUMNS,
      rowsPerTransaction: options.rowsPerTransaction ?? 200,
      rowsPerBatch: 1_000_000,
      onConflict: UPSERT,
      inThread: (rows) =>
        this.loose
          .insertInto('metric_points')
          .values(rows as unknown as Array<Record<string, unknown>>)
          .onConflict((oc) => oc.columns(['measurement', 'series', 'ts']).doUpdateSet(Object.fromEntries(VALUE_COLUMNS.map((c) => [c, sql.ref(`excluded.${c}`)]))))
          .execute(),
      log: options.log,
    });
  }

  async start(): Promise<void> {
    for (const level of ROLLUP_LEVELS) {
      const row = await this.loose.selectFrom(`metric_${level}`).select((eb) => eb.fn.max('ts').as('last')).executeTakeFirst();
      const last = row?.last;
      this.rolled[level] = last === null || last === undefined ? 0 : Number(last) + BUCKET_MS[level];
    }
    // Points may have arrived after the last roll-up before a stop: the first run looks an hour back.
    const oldest = await this.loose.selectFrom('metric_points').select((eb) => eb.fn.min('ts').as('first')).executeTakeFirst();
    if (oldest?.first !== null && oldest?.first !== undefined) {
      this.dirtyFrom = Math.max(Number(oldest.first), this.rolled.minute - 3_600_000);
    }
  }

  async write(points: readonly MetricPoint[]): Promise<void> {
    if (points.length === 0) return;
    const rows: PointRow[] = new Array(points.length);
    let min = Infinity;
    for (let i = 0; i < points.length; i++) {
      const p = points[i]!;
      const fields = CATALOG[p.measurement].fields as readonly string[];
      const v: Array<number | null> = [null, null, null, null, null, null, null];
      for (let f = 0; f < fields.length; f++) {
        const x = p.fields[fields[f]!];
        v[f] = x === undefined || !Number.isFinite(x) ? null : x;
      }
      rows[i] = { measurement: p.measurement, series: seriesKey(p.measurement, p.tags), ts: p.ts, v0: v[0]!, v1: v[1]!, v2: v[2]!, v3: v[3]!, v4: v[4]!, v5: v[5]!, v6: v[6]! };
      if (p.ts < min) min = p.ts;
    }
    const first = this.written;
    // Numbered past the batch even when it fails: its retry is a new write (the upsert makes a repeat harmless).
    this.written += rows.length;
    await this.writer.write(rows, first);
    if (min < this.dirtyFrom) this.dirtyFrom = min;
  }

  async buckets(q: BucketQuery): Promise<BucketRow[]> {
    const w = BUCKET_MS[q.level];
    const from = alignDown(q.from, q.level);
    const to = alignUp(q.to, q.level);
    const i = fieldIndex(q.measurement, q.field);
    const out: BucketRow[] = [];
    if (q.level === 'raw') {
      await this.aggregate(out, 'metric_points', q, i, w, from, to);
      return out;
    }
    const split = Math.min(to, Math.max(from, this.rolled[q.level]));
    if (split > from) await this.aggregate(out, `metric_${q.level}`, q, i, w, from, split);
    if (to > split) await this.aggregate(out, 'metric_points', q, i, w, split, to);
    return out;
  }

  /** Recomputes the roll-ups of every level for the buckets that [from, to) touches (complete buckets only). */
  async rollup(from: number, to: number): Promise<void> {
    for (const level of ROLLUP_LEVELS) {
      const start = alignDown(from, level);
      const end = alignDown(to, level);
      for (let c = start; c < end; c += CHUNK_MS[level]) {
        if (this.closing) return;
        await this.rollupChunk(level, c, Math.min(end, c + CHUNK_MS[level]));
        await yieldToEventLoop();
      }
      if (end > this.rolled[level]) this.rolled[level] = end;
    }
  }

  /** The background job: roll-ups of what arrived since the last run, then the prune. */
  async maintain(now: number): Promise<number> {
    const from = Math.min(this.dirtyFrom, this.rolled.minute || now);
    this.dirtyFrom = Infinity;
    if (from < now) {
      try {
        await this.rollup(from, now);
      } catch (err) {
        this.dirtyFrom = Math.min(this.dirtyFrom, from);
        throw err;
      }
    }
    return this.prune(now);
  }

  async prune(now: number): Promise<number> {
    const { rawDays, minuteDays, hourDays, dayDays } = this.options.retention;
    const plan: Array<[PrunableTable, number]> = [
      ['metric_points', rawDays],
      ['metric_minute', minuteDays],
      ['metric_hour', hourDays],
      ['metric_day', dayDays],
    ];
    let removed = 0;
    for (const [table, days] of plan) {
      if (days <= 0) continue;
      removed += await pruneOlderThan(this.options.db, table, now - days * 86_400_000, {
        chunkRows: this.options.pruneChunkRows,
        stopRequested: () => this.closing,
      });
    }
    return removed;
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.writer.close();
  }

  private async rollupChunk(level: RollupLevel, from: number, to: number): Promise<void> {
    const w = sql.lit(BUCKET_MS[level]);
    const source = SOURCE[level];
    const cols: string[] = [];
    const exprs: RawBuilder<unknown>[] = [];
    for (let i = 0; i < METRIC_FIELDS; i++) {
      cols.push(`n${i}`, `s${i}`, `m${i}`);
      if (source === 'raw') {
        exprs.push(sql`COUNT(${sql.ref(`v${i}`)})`, sql`SUM(${sql.ref(`v${i}`)})`, sql`MAX(${sql.ref(`v${i}`)})`);
      } else {
        exprs.push(sql`SUM(${sql.ref(`n${i}`)})`, sql`SUM(${sql.ref(`s${i}`)})`, sql`MAX(${sql.ref(`m${i}`)})`);
      }
    }
    const table = source === 'raw' ? 'metric_points' : `metric_${source}`;
    const target = `metric_${level}`;
    await sql`INSERT INTO ${sql.table(target)} (measurement, series, ts, ${sql.join(cols.map((c) => sql.ref(c)))})
      SELECT measurement, series, (ts / ${w}) * ${w} AS b, ${sql.join(exprs)}
      FROM ${sql.table(table)} WHERE ts >= ${from} AND ts < ${to}
      GROUP BY measurement, series, b
      ON CONFLICT (measurement, series, ts) DO UPDATE SET ${sql.join(cols.map((c) => sql`${sql.ref(c)} = excluded.${sql.ref(c)}`))}`.execute(this.options.db);
  }

  private async aggregate(out: BucketRow[], table: string, q: BucketQuery, i: number, w: number, from: number, to: number): Promise<void> {
    const raw = table === 'metric_points';
    const n = raw ? sql`COUNT(${sql.ref(`v${i}`)})` : sql`SUM(${sql.ref(`n${i}`)})`;
    const s = raw ? sql`SUM(${sql.ref(`v${i}`)})` : sql`SUM(${sql.ref(`s${i}`)})`;
    const m = raw ? sql`MAX(${sql.ref(`v${i}`)})` : sql`MAX(${sql.ref(`m${i}`)})`;
    const filter = seriesFilter(q.measurement, q.where);
    const result = await sql<{ series: string; b: number; n: number | null; s: number | null; m: number | null }>`
      SELECT series, (ts / ${sql.lit(w)}) * ${sql.lit(w)} AS b, ${n} AS n, ${s} AS s, ${m} AS m
      FROM ${sql.table(table)}
      WHERE measurement = ${q.measurement} AND ts >= ${from} AND ts < ${to} ${filter}
      GROUP BY series, b`.execute(this.options.db);
    for (const r of result.rows) {
      if (!r.n) continue;
      out.push({ tags: parseSeries(r.series), ts: Number(r.b), n: Number(r.n), sum: Number(r.s ?? 0), max: Number(r.m ?? 0) });
    }
  }
}

/** The series key's leading tags that the filter fixes, as an equality or a prefix range on the primary key. */
function seriesFilter(measurement: Measurement, where: BucketQuery['where']): RawBuilder<unknown> {
  const tags = CATALOG[measurement].tags as readonly string[];
  const parts: string[] = [];
  for (const t of tags) {
    const v = where?.[t];
    if (v === undefined) break;
    parts.push(`${t}=${v}`);
  }
  if (parts.length === 0) return sql``;
  if (parts.length === tags.length) return sql`AND series = ${parts.join(',')}`;
  const prefix = `${parts.join(',')},`;
  return sql`AND series >= ${prefix} AND series < ${`${prefix}\uffff`}`;
}

function parseSeries(key: string): Record<string, string> {
  const tags: Record<string, string> = {};
  if (key === '') return tags;
  for (const part of key.split(',')) {
    const eq = part.indexOf('=');
    tags[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return tags;
}
