/**
 * `npm run bench:metrics -- [--points 150000] [--batch 5000] [--concurrency 2] [--rounds 5]`
 *
 * Points per second into the metrics stores, and the baseline in the same run: the raw `influx` client
 * writing the same points with the same batch size, one request at a time (its own way: it keeps nothing), into a real influxd started
 * for the run (Debian's `influxdb`; or `--url` for one already running). Per round, in alternating
 * order: the raw client, caideng's writer into InfluxDB (batching, the outbox standing by; the whole burst fits
 * its buffer, so what is measured is the write path, not the spill of a burst to the outbox), and caideng's
 * writer into the embedded SQLite store (writer thread). Each run writes to a fresh database. Prints a table
 * on stderr and the JSON on stdout.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { InfluxDB, type IPoint } from 'influx';
import { pino } from 'pino';
import { openDb } from '../store/db.js';
import type { MetricPoint } from '../features/metrics/catalog.js';
import { InfluxMetricsStore } from '../features/metrics/influxStore.js';
import { SqliteMetricsStore } from '../features/metrics/sqliteStore.js';
import type { MetricsStore } from '../features/metrics/metricsStore.js';
import { Outbox } from '../features/metrics/outbox.js';
import { MetricsWriter } from '../features/metrics/writer.js';
import { startInfluxd } from './influxd.js';

const TARGETS = { ratioToRaw: 0.5, influxPointsPerS: 50_000 } as const;
const log = pino({ level: 'silent' });
const say = (msg: string) => process.stderr.write(`[bench:metrics] ${msg}\n`);

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} needs a positive number`);
  return v;
}
const urlArg = (() => {
  const i = process.argv.indexOf('--url');
  return i < 0 ? null : process.argv[i + 1]!;
})();

/** Telemetry of `groups` lantern groups over 22 compounds, a reading every 5 s: the shape the controller writes most. */
function makePoints(n: number): MetricPoint[] {
  const groups = 2000;
  const t0 = Date.now() - Math.ceil(n / groups) * 5000 - 60_000;
  const points: MetricPoint[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const g = i % groups;
    const step = Math.floor(i / groups);
    points[i] = {
      measurement: 'telemetry',
      tags: { compound: `c${String(g % 22).padStart(2, '0')}`, group: `g${String(g).padStart(4, '0')}` },
      fields: { watts: 40 + (i % 140), brightness: 200, on: 1, temperature_c: 31.5, faults: 0, wh: 0.09, burn_s: 5 },
      ts: t0 + step * 5000 + (g % 1000),
    };
  }
  return points;
}

async function rawClient(url: string, database: string, points: readonly MetricPoint[], batch: number): Promise<number> {
  const u = new URL(url);
  const client = new InfluxDB({ host: u.hostname, port: Number(u.port), database });
  await client.createDatabase(database);
  const start = performance.now();
  for (let i = 0; i < points.length; i += batch) {
    const body: IPoint[] = points.slice(i, i + batch).map((p) => ({ measurement: p.measurement, tags: p.tags as Record<string, string>, fields: p.fields as Record<string, number>, timestamp: p.ts }));
    await client.writePoints(body, { precision: 'ms' });
  }
  return points.length / ((performance.now() - start) / 1000);
}

/** caideng's writer: points pushed as the bus listeners push them, timed until the last one is in the store. */
async function viaWriter(store: MetricsStore, points: readonly MetricPoint[], batch: number, concurrency: number): Promise<{ pointsPerS: number; pushMsPer100k: number; spilled: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'caideng-bench-metrics-'));
  const db = await openDb({ file: join(dir, 'outbox.sqlite'), log });
  try {
    const outbox = new Outbox(db, 5_000_000, 0.8, log);
    await outbox.open();
    const writer = new MetricsWriter(store, outbox, { batchPoints: batch, concurrency, flushMs: 1000, bufferMaxPoints: points.length + batch, retryBaseMs: 200, retryMaxMs: 2000 }, log);
    writer.ready = true;
    const start = performance.now();
    let pushMs = 0;
    // In slices with a turn of the event loop between, as messages arrive from the broker.
    for (let i = 0; i < points.length; i += 1000) {
      const t = performance.now();
      const end = Math.min(points.length, i + 1000);
      for (let k = i; k < end; k++) writer.push(points[k]!);
      pushMs += performance.now() - t;
      await new Promise((r) => setImmediate(r));
    }
    await writer.idle();
    const s = (performance.now() - start) / 1000;
    await writer.stop();
    return { pointsPerS: points.length / s, pushMsPer100k: (pushMs / points.length) * 100_000, spilled: writer.counters.spilled };
  } finally {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function viaSqlite(points: readonly MetricPoint[], batch: number) {
  const dir = mkdtempSync(join(tmpdir(), 'caideng-bench-sqlite-'));
  const db = await openDb({ file: join(dir, 'metrics.sqlite'), log });
  const store = new SqliteMetricsStore({ db, log, retention: { rawDays: 30, minuteDays: 180, hourDays: 1095, dayDays: 0 }, writer: 'worker', pruneChunkRows: 5000 });
  try {
    await store.start();
    return await viaWriter(store, points, batch, 1);
  } finally {
    await store.close();
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};
const k = (x: number) => Math.round(x).toLocaleString('en-US');

async function main(): Promise<void> {
  const n = arg('points', 150_000);
  const batch = arg('batch', 5000);
  const rounds = arg('rounds', 5);
  const concurrency = arg('concurrency', 2);
  const influxd = urlArg ? null : await startInfluxd();
  const url = urlArg ?? influxd!.url;
  say(`${n} points per writer, batch ${batch}, ${rounds} rounds, influxd at ${url}`);
  const points = makePoints(n);
  const raw: number[] = [];
  const ours: Array<{ pointsPerS: number; pushMsPer100k: number; spilled: number }> = [];
  const sqlite: Array<{ pointsPerS: number; pushMsPer100k: number; spilled: number }> = [];
  try {
    for (let r = 0; r < rounds; r++) {
      const runRaw = async () => raw.push(await rawClient(url, `bench_raw_${r}`, points, batch));
      const runOurs = async () => {
        const store = new InfluxMetricsStore({ url, database: `bench_caideng_${r}`, requestTimeoutMs: 30_000 }, { rawDays: 30, minuteDays: 180, hourDays: 1095, dayDays: 0 }, log);
        await store.start();
        ours.push(await viaWriter(store, points, batch, concurrency));
      };
      if (r % 2 === 0) {
        await runRaw();
        await runOurs();
      } else {
        await runOurs();
        await runRaw();
      }
      sqlite.push(await viaSqlite(points, batch));
      say(`round ${r + 1}: raw ${k(raw[r]!)} · caideng→InfluxDB ${k(ours[r]!.pointsPerS)} · caideng→SQLite ${k(sqlite[r]!.pointsPerS)} points/s`);
    }
  } finally {
    await influxd?.dispose();
  }
  const rawM = median(raw);
  const oursM = median(ours.map((o) => o.pointsPerS));
  const sqliteM = median(sqlite.map((o) => o.pointsPerS));
  const result = {
    node: process.version,
    cpus: cpus().length,
    points: n,
    batch,
    concurrency,
    fieldsPerPoint: 7,
    rounds,
    rawInfluxPointsPerS: raw.map(Math.round),
    caidengInfluxPointsPerS: ours.map((o) => Math.round(o.pointsPerS)),
    caidengSqlitePointsPerS: sqlite.map((o) => Math.round(o.pointsPerS)),
    median: { raw: Math.round(rawM), influx: Math.round(oursM), sqlite: Math.round(sqliteM), ratioToRaw: Math.round((oursM / rawM) * 100) / 100 },
    ingestPushMsPer100kPoints: Math.round(median(ours.map((o) => o.pushMsPer100k)) * 10) / 10,
    spilledToOutbox: ours.reduce((a, o) => a + o.spilled, 0),
    targets: { ...TARGETS, met: oursM >= TARGETS.ratioToRaw * rawM && oursM >= TARGETS.influxPointsPerS },
  };
  const rows = [
    ['', 'points/s (median)', 'rounds', 'target'],
    ['raw influx client → InfluxDB', k(rawM), raw.map(k).join(' / '), 'baseline'],
    ['caideng writer → InfluxDB', k(oursM), ours.map((o) => k(o.pointsPerS)).join(' / '), `≥ 0.5 × raw and ≥ 50,000: ${result.targets.met ? 'met' : 'NOT met'} (${result.median.ratioToRaw} × raw)`],
    ['caideng writer → SQLite (writer thread)', k(sqliteM), sqlite.map((o) => k(o.pointsPerS)).join(' / '), ''],
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const r of rows) process.stderr.write(`${r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ')}\n`);
  process.stderr.write(`batch ${batch} points of ${result.fieldsPerPoint} fields; pushing costs the ingest path ${result.ingestPushMsPer100kPoints} ms per 100,000 points\n`);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  if (!result.targets.met) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`[bench:metrics] ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 2;
});
