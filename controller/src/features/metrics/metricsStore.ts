/**
 * The metrics store: one interface, two implementations (SQLite embedded by default, InfluxDB 1.x when
 * configured) that pass the same contract suite (controller/test/metrics-contract.test.ts). A store answers
 * with buckets per series (count, sum, max of one field); means, sums across series and per-night totals
 * are computed here, once, for both.
 */
import { BUCKET_MS, CATALOG, type Level, type Measurement, type MetricPoint } from './catalog.js';

export interface BucketQuery {
  measurement: Measurement;
  field: string;
  /** Tag filters, e.g. `{ compound: 'alpha', group: 'g01' }`. */
  where?: Readonly<Record<string, string | undefined>>;
  /** Epoch ms, inclusive; aligned down to the level's bucket. */
  from: number;
  /** Epoch ms, exclusive; aligned up to the level's bucket. */
  to: number;
  level: Level;
}

/** One series' bucket: `ts` is the bucket's start; `n`, `sum`, `max` of the field's values in it. */
export interface BucketRow {
  tags: Record<string, string>;
  ts: number;
  n: number;
  sum: number;
  max: number;
}

export interface MetricsStore {
  readonly kind: 'sqlite' | 'influx';
  /** Prepares the store (InfluxDB: database, retention policies, continuous queries). Throws MetricsStoreError. */
  start(): Promise<void>;
  /** Writes points; a point with the same measurement, tags and timestamp as a stored one replaces it. */
  write(points: readonly MetricPoint[]): Promise<void>;
  buckets(query: BucketQuery): Promise<BucketRow[]>;
  /** Recomputes the roll-ups of [from, to) from the raw points (after a replay of old points). */
  rollup(from: number, to: number): Promise<void>;
  /** Removes what is past its retention; resolves with the rows removed (InfluxDB's retention policies do it themselves: 0). */
  prune(now: number): Promise<number>;
  close(): Promise<void>;
}

/** Why a store could not start or write: `unreachable` and `auth` are what an operator must act on. */
export class MetricsStoreError extends Error {
  override readonly name = 'MetricsStoreError';
  constructor(
    message: string,
    readonly reason: 'unreachable' | 'auth' | 'failed',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface Retention {
  /** Days each level is kept: raw points, minute, hour and day roll-ups (0: for ever). */
  rawDays: number;
  minuteDays: number;
  hourDays: number;
  dayDays: number;
}

export const fieldIndex = (measurement: Measurement, field: string): number => {
  const i = (CATALOG[measurement].fields as readonly string[]).indexOf(field);
  if (i < 0) throw new Error(`measurement ${measurement} has no field ${field}`);
  return i;
};

/** A bucket's value within one series. */
export type Inner = 'mean' | 'sum' | 'max';
/** How the series' values of one bucket are combined. */
export type Outer = 'sum' | 'mean' | 'max';

export const alignDown = (t: number, level: Level) => Math.floor(t / BUCKET_MS[level]) * BUCKET_MS[level];
export const alignUp = (t: number, level: Level) => Math.ceil(t / BUCKET_MS[level]) * BUCKET_MS[level];

function inner(row: BucketRow, how: Inner): number {
  if (how === 'sum') return row.sum;
  if (how === 'max') return row.max;
  return row.n > 0 ? row.sum / row.n : 0;
}

/** Rows that match the tag filters a store could not apply itself (both stores filter fully; this is the last word). */
function matches(row: BucketRow, where: BucketQuery['where']): boolean {
  if (!where) return true;
  for (const [k, v] of Object.entries(where)) if (v !== undefined && row.tags[k] !== v) return false;
  return true;
}

/** One value per bucket, `[ts, value]` in time order: the series' values combined by `outer`. */
export async function series(
  store: MetricsStore,
  query: BucketQuery & { inner: Inner; outer: Outer; keep?: (tags: Record<string, string>) => boolean },
): Promise<Array<[number, number]>> {
  const rows = await store.buckets(query);
  const byTs = new Map<number, { v: number; k: number }>();
  for (const row of rows) {
    if (!matches(row, query.where) || (query.keep && !query.keep(row.tags))) continue;
    const v = inner(row, query.inner);
    const acc = byTs.get(row.ts);
    if (!acc) byTs.set(row.ts, { v, k: 1 });
    else if (query.outer === 'max') acc.v = Math.max(acc.v, v);
    else {
      acc.v += v;
      acc.k++;
    }
  }
  return [...byTs.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([ts, { v, k }]) => [ts, query.outer === 'mean' ? v / k : v]);
}

/** One value per tag value (e.g. per group) over the whole range: the buckets' inner values summed (or maxed). */
export async function totals(
  store: MetricsStore,
  query: BucketQuery & { inner: Inner; by: readonly string[]; keep?: (tags: Record<string, string>) => boolean },
): Promise<Array<{ tags: Record<string, string>; value: number }>> {
  const rows = await store.buckets(query);
  const out = new Map<string, { tags: Record<string, string>; value: number }>();
  for (const row of rows) {
    if (!matches(row, query.where) || (query.keep && !query.keep(row.tags))) continue;
    const tags = Object.fromEntries(query.by.map((t) => [t, row.tags[t] ?? '']));
    const key = query.by.map((t) => tags[t]).join('\u0000');
    const v = inner(row, query.inner);
    const acc = out.get(key);
    if (!acc) out.set(key, { tags, value: v });
    else acc.value = query.inner === 'max' ? Math.max(acc.value, v) : acc.value + v;
  }
  return [...out.values()];
}
