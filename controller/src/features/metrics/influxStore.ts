/**
 * The InfluxDB 1.x metrics store, through the `influx` client. At start it creates its database, one
 * retention policy per level (`raw` the default, then `minute`, `hour`, `day`) and continuous queries that
 * roll each level up from the one before, field by field from the catalog (`n_<field>`, `s_<field>`,
 * `m_<field>`: count, sum, max). The client sends one HTTP request per write and keeps nothing: batching and
 * the outbox are the writer's (writer.ts). A point with the same measurement, tags and timestamp replaces
 * the stored one, which is what makes a replay duplicate-safe.
 */
import { InfluxDB, type IPoint } from 'influx';
import type { IBackoffStrategy } from 'influx/lib/src/backoff/backoff.js';
import type { Logger } from 'pino';
import { BUCKET_MS, CATALOG, MEASUREMENTS, type Level, type Measurement, type MetricPoint } from './catalog.js';
import { MetricsStoreError, alignDown, alignUp, type BucketQuery, type BucketRow, type MetricsStore, type Retention } from './metricsStore.js';

export interface InfluxOptions {
  url: string;
  database: string;
  username?: string | undefined;
  password?: string | undefined;
  requestTimeoutMs: number;
}

const ROLLUPS = [
  { level: 'minute', from: 'raw', every: '1m', resample: 'RESAMPLE EVERY 1m FOR 10m' },
  { level: 'hour', from: 'minute', every: '1h', resample: 'RESAMPLE EVERY 10m FOR 2h' },
  { level: 'day', from: 'hour', every: '1d', resample: 'RESAMPLE EVERY 1h FOR 2d' },
] as const;

const NO_BACKOFF: IBackoffStrategy = { getDelay: () => 0, next: () => NO_BACKOFF, reset: () => NO_BACKOFF };

const q = (name: string) => `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
const lit = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const duration = (days: number) => (days <= 0 ? 'INF' : `${days}d`);

export class InfluxMetricsStore implements MetricsStore {
  readonly kind = 'influx' as const;
  readonly client: InfluxDB;

  constructor(
    private readonly options: InfluxOptions,
    private readonly retention: Retention,
    private readonly log: Logger,
  ) {
    const url = new URL(options.url);
    this.client = new InfluxDB({
      host: url.hostname,
      port: Number(url.port || (url.protocol === 'https:' ? 443 : 8086)),
      protocol: url.protocol === 'https:' ? 'https' : 'http',
      ...(url.pathname !== '/' ? { path: url.pathname } : {}),
      database: options.database,
      ...(options.username !== undefined ? { username: options.username } : {}),
      ...(options.password !== undefined ? { password: options.password } : {}),
      // Our own writer retries with backoff and spills to the outbox: the client fails fast, and never takes its
      // one host out of service for a while of its own (its pool would answer 'No host available' meanwhile).
      pool: { maxRetries: 0, requestTimeout: options.requestTimeoutMs, backoff: NO_BACKOFF },
    });
  }

  async start(): Promise<void> {
    const { database: db } = this.options;
    const hour = (days: number) => duration(days);
    await this.guard(async () => {
      const names = await this.client.getDatabaseNames();
      if (!names.includes(db)) await this.client.createDatabase(db);
    });
    await this.guard(async () => {
      const existing = new Set((await this.client.showRetentionPolicies(db)).map((p) => p.name));
      const rps: Array<[string, number, boolean]> = [
        ['raw', this.retention.rawDays, true],
        ['minute', this.retention.minuteDays, false],
        ['hour', this.retention.hourDays, false],
        ['day', this.retention.dayDays, false],
      ];
      for (const [name, days, isDefault] of rps) {
        const opts = { database: db, duration: hour(days), replication: 1, isDefault };
        if (existing.has(name)) await this.client.alterRetentionPolicy(name, opts);
        else await this.client.createRetentionPolicy(name, opts);
      }
      const cqs = new Set((await this.client.showContinousQueries(db)).map((c) => c.name));
      for (const m of MEASUREMENTS) {
        for (const r of ROLLUPS) {
          const name = `cq_${m}_${r.level}`;
          if (cqs.has(name)) await this.client.dropContinuousQuery(name, db);
          await this.client.createContinuousQuery(name, this.rollupSelect(m, r.level, r.from, r.every), db, r.resample);
        }
      }
    });
    this.log.info({ url: this.options.url, database: db }, 'InfluxDB metrics store ready');
  }

  async write(points: readonly MetricPoint[]): Promise<void> {
    if (points.length === 0) return;
    const body: IPoint[] = new Array(points.length);
    for (let i = 0; i < points.length; i++) {
      const p = points[i]!;
      body[i] = { measurement: p.measurement, tags: p.tags as Record<string, string>, fields: p.fields as Record<string, number>, timestamp: p.ts };
    }
    await this.guard(() => this.client.writePoints(body, { precision: 'ms', retentionPolicy: 'raw' }));
  }

  async buckets(query: BucketQuery): Promise<BucketRow[]> {
    const from = alignDown(query.from, query.level);
    const to = alignUp(query.to, query.level);
    const out: BucketRow[] = [];
    if (query.level === 'raw') {
      await this.aggregate(out, query, 'raw', from, to);
      return out;
    }
    // The continuous query of the newest buckets may not have run yet: those come from the raw points.
    const split = Math.max(from, Math.min(to, alignDown(Date.now(), query.level) - BUCKET_MS[query.level]));
    if (split > from) await this.aggregate(out, query, query.level, from, split);
    if (to > split) await this.aggregate(out, query, 'raw', split, to);
    return out;
  }

  /** Runs the roll-ups' selects for [from, to) by hand (continuous queries only look back a little way). */
  async rollup(from: number, to: number): Promise<void> {
    for (const r of ROLLUPS) {
      const start = alignDown(from, r.level);
      const end = alignDown(to, r.level);
      if (end <= start) continue;
      for (const m of MEASUREMENTS) {
        const select = this.rollupSelect(m, r.level, r.from, r.every).replace(' GROUP BY ', ` WHERE time >= ${start}ms AND time < ${end}ms GROUP BY `);
        await this.guard(() => this.client.query(select, { database: this.options.database }));
      }
    }
  }

  async prune(): Promise<number> {
    return 0;
  }

  async close(): Promise<void> {}

  /** `SELECT … INTO level FROM source GROUP BY time(every), *` for one measurement. */
  private rollupSelect(m: Measurement, level: Level, source: string, every: string): string {
    const db = q(this.options.database);
    const fields = CATALOG[m].fields as readonly string[];
    const cols = fields.flatMap((f) =>
      source === 'raw'
        ? [`count(${q(f)}) AS ${q(`n_${f}`)}`, `sum(${q(f)}) AS ${q(`s_${f}`)}`, `max(${q(f)}) AS ${q(`m_${f}`)}`]
        : [`sum(${q(`n_${f}`)}) AS ${q(`n_${f}`)}`, `sum(${q(`s_${f}`)}) AS ${q(`s_${f}`)}`, `max(${q(`m_${f}`)}) AS ${q(`m_${f}`)}`],
    );
    return `SELECT ${cols.join(', ')} INTO ${db}.${q(level)}.${q(m)} FROM ${db}.${q(source)}.${q(m)} GROUP BY time(${every}), *`;
  }

  private async aggregate(out: BucketRow[], query: BucketQuery, rp: string, from: number, to: number): Promise<void> {
    const f = query.field;
    const cols = rp === 'raw' ? `count(${q(f)}) AS n, sum(${q(f)}) AS s, max(${q(f)}) AS m` : `sum(${q(`n_${f}`)}) AS n, sum(${q(`s_${f}`)}) AS s, max(${q(`m_${f}`)}) AS m`;
    const where = [`time >= ${from}ms`, `time < ${to}ms`];
    for (const [k, v] of Object.entries(query.where ?? {})) if (v !== undefined) where.push(`${q(k)} = ${lit(v)}`);
    const every = `${BUCKET_MS[query.level] / 1000}s`;
    const text = `SELECT ${cols} FROM ${q(this.options.database)}.${q(rp)}.${q(query.measurement)} WHERE ${where.join(' AND ')} GROUP BY time(${every}), * fill(none)`;
    const answer = (await this.guard(() => this.client.queryRaw(text, { precision: 'ms' }))) as InfluxAnswer;
    for (const result of answer.results ?? []) {
      if (result.error) throw new MetricsStoreError(`InfluxDB query failed: ${result.error}`, 'failed');
      for (const s of result.series ?? []) {
        const ix = { t: s.columns.indexOf('time'), n: s.columns.indexOf('n'), s: s.columns.indexOf('s'), m: s.columns.indexOf('m') };
        for (const v of s.values) {
          const n = Number(v[ix.n] ?? 0);
          if (!n) continue;
          out.push({ tags: { ...(s.tags ?? {}) }, ts: Number(v[ix.t]), n, sum: Number(v[ix.s] ?? 0), max: Number(v[ix.m] ?? 0) });
        }
      }
    }
  }

  /** Turns the client's errors into the two an operator can act on (server away, credentials refused). */
  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw classify(err, this.options.url, this.options.username);
    }
  }
}

interface InfluxAnswer {
  results?: Array<{ error?: string; series?: Array<{ name: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] }> }>;
}

export function classify(err: unknown, url: string, username: string | undefined): MetricsStoreError {
  if (err instanceof MetricsStoreError) return err;
  const e = err as Error & { code?: string; res?: { statusCode?: number } };
  const status = e.res?.statusCode;
  const text = String(e.message ?? err);
  if (status === 401 || status === 403 || /authorization failed|unable to parse authentication credentials|user not found/i.test(text)) {
    return new MetricsStoreError(`InfluxDB at ${url} refused the credentials of user '${username ?? 'root'}': check metrics.influx.username and password`, 'auth', { cause: err });
  }
  if (status === undefined && /ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENOTFOUND|ETIMEDOUT|timeout|No host available|socket hang up/i.test(`${e.code ?? ''} ${text}`)) {
    return new MetricsStoreError(`InfluxDB at ${url} is unreachable (${e.code ?? text}): is influxd running, and is metrics.influx.url right?`, 'unreachable', { cause: err });
  }
  return new MetricsStoreError(`InfluxDB at ${url} failed: ${text}`, 'failed', { cause: err });
}
