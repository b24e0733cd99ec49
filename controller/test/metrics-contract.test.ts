/**
 * The metrics store contract: the same suite against the embedded SQLite store and a real influxd. Each
 * case writes points and checks the buckets both stores answer (raw, roll-ups after `rollup`), the
 * overwrite of a point written twice, tag filters and fields that are absent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { openDb, type Db } from '../src/store/db.js';
import { SqliteMetricsStore } from '../src/features/metrics/sqliteStore.js';
import { InfluxMetricsStore } from '../src/features/metrics/influxStore.js';
import { series, totals, type MetricsStore } from '../src/features/metrics/metricsStore.js';
import type { MetricPoint } from '../src/features/metrics/catalog.js';
import { Outbox } from '../src/features/metrics/outbox.js';
import { startInfluxd, type Influxd } from './influxd.js';
import { tempDir } from './helpers.js';

const log = pino({ level: 'silent' });
const retention = { rawDays: 30, minuteDays: 180, hourDays: 1095, dayDays: 0 };
const MIN = 60_000;
const HOUR = 3_600_000;

interface Subject {
  store: MetricsStore;
  dispose(): Promise<void>;
}

let influxd: Influxd;
let dbCount = 0;
beforeAll(async () => {
  influxd = await startInfluxd();
});
afterAll(async () => {
  await influxd?.dispose();
});

const SUBJECTS: Record<string, () => Promise<Subject>> = {
  sqlite: async () => {
    const dir = tempDir('caideng-metrics-');
    const db: Db = await openDb({ file: join(dir, 'm.sqlite'), log });
    const store = new SqliteMetricsStore({ db, log, retention, writer: 'worker', pruneChunkRows: 1000 });
    await store.start();
    return {
      store,
      async dispose() {
        await store.close();
        await db.destroy();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  influx: async () => {
    const store = new InfluxMetricsStore({ url: influxd.url, database: `contract${++dbCount}`, requestTimeoutMs: 5000 }, retention, log);
    await store.start();
    return { store, dispose: () => store.close() };
  },
};

const tele = (compound: string, group: string, ts: number, fields: Record<string, number>): MetricPoint => ({ measurement: 'telemetry', tags: { compound, group }, fields, ts });

describe.each(Object.keys(SUBJECTS))('metrics store contract: %s', (kind) => {
  let s: Subject;
  beforeAll(async () => {
    s = await SUBJECTS[kind]!();
  });
  afterAll(async () => {
    await s?.dispose();
  });

  it('answers raw buckets: the mean per group, summed over groups, per 10 s', async () => {
    const t0 = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR;
    const points: MetricPoint[] = [];
    // Two groups of compound a, one of b; readings every 5 s for two minutes.
    for (let i = 0; i < 24; i++) {
      points.push(tele('a', 'g1', t0 + i * 5000, { watts: 100, wh: 0.1 }));
      points.push(tele('a', 'g2', t0 + i * 5000, { watts: 40 + (i % 2) * 20, wh: 0.05 }));
      points.push(tele('b', 'g1', t0 + i * 5000, { watts: 7, wh: 0.01 }));
    }
    await s.store.write(points);
    const power = await series(s.store, { measurement: 'telemetry', field: 'watts', where: { compound: 'a' }, from: t0, to: t0 + 2 * MIN, level: 'raw', inner: 'mean', outer: 'sum' });
    expect(power).toHaveLength(12);
    expect(power[0]).toEqual([t0, 150]);
    expect(power.every(([, v]) => v === 150)).toBe(true);
    const one = await series(s.store, { measurement: 'telemetry', field: 'watts', where: { compound: 'a', group: 'g2' }, from: t0, to: t0 + 2 * MIN, level: 'raw', inner: 'max', outer: 'sum' });
    expect(one.every(([, v]) => v === 60)).toBe(true);
    const county = await series(s.store, { measurement: 'telemetry', field: 'wh', from: t0, to: t0 + 2 * MIN, level: 'raw', inner: 'sum', outer: 'sum' });
    expect(county.reduce((a, [, v]) => a + v, 0)).toBeCloseTo(24 * 0.16, 6);
    const byGroup = await totals(s.store, { measurement: 'telemetry', field: 'wh', from: t0, to: t0 + 2 * MIN, level: 'raw', inner: 'sum', by: ['compound', 'group'] });
    expect(byGroup.map((r) => [r.tags.compound, r.tags.group, Math.round(r.value * 1000)]).sort()).toEqual([
      ['a', 'g1', 2400],
      ['a', 'g2', 1200],
      ['b', 'g1', 240],
    ]);
  });

  it('stores a point written twice once: same measurement, tags and timestamp overwrite', async () => {
    const t = Math.floor(Date.now() / MIN) * MIN - 30 * MIN;
    await s.store.write([tele('dup', 'g1', t, { watts: 10 }), tele('dup', 'g1', t + 1000, { watts: 20 })]);
    await s.store.write([tele('dup', 'g1', t, { watts: 15 }), tele('dup', 'g1', t + 1000, { watts: 20 })]);
    const rows = await s.store.buckets({ measurement: 'telemetry', field: 'watts', where: { compound: 'dup' }, from: t, to: t + 10_000, level: 'raw' });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ tags: { compound: 'dup', group: 'g1' }, ts: t, n: 2, sum: 35, max: 20 });
  });

  it('counts only the points that have a field, and filters on any tag', async () => {
    const t = Math.floor(Date.now() / MIN) * MIN - 40 * MIN;
    await s.store.write([
      tele('nul', 'g1', t, { watts: 5, temperature_c: 30 }),
      tele('nul', 'g1', t + 1000, { watts: 5 }),
      { measurement: 'press', tags: { compound: 'nul', kiosk: 'k1', button: 'satisfied' }, fields: { count: 1 }, ts: t },
      { measurement: 'press', tags: { compound: 'nul', kiosk: 'k1', button: 'help' }, fields: { count: 1 }, ts: t + 1 },
      { measurement: 'press', tags: { compound: 'nul', kiosk: 'k2', button: 'satisfied' }, fields: { count: 1 }, ts: t + 2 },
    ]);
    const temp = await s.store.buckets({ measurement: 'telemetry', field: 'temperature_c', where: { compound: 'nul' }, from: t, to: t + 10_000, level: 'raw' });
    expect(temp.map((r) => [r.n, r.sum])).toEqual([[1, 30]]);
    const satisfied = await series(s.store, { measurement: 'press', field: 'count', where: { compound: 'nul', button: 'satisfied' }, from: t, to: t + MIN, level: 'raw', inner: 'sum', outer: 'sum' });
    expect(satisfied).toEqual([[t, 2]]);
    const k1 = await series(s.store, { measurement: 'press', field: 'count', where: { compound: 'nul', kiosk: 'k1' }, from: t, to: t + MIN, level: 'raw', inner: 'sum', outer: 'sum' });
    expect(k1).toEqual([[t, 2]]);
  });

  it('rolls up into minutes, hours and days that agree with the raw points', async () => {
    // Three days back: older than the day level's raw tail, so every level is read from its roll-up.
    const t0 = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 3 * 86_400_000;
    const points: MetricPoint[] = [];
    for (let i = 0; i < 3 * 60; i++) {
      points.push(tele('roll', 'g1', t0 + i * MIN, { watts: i < 60 ? 100 : 50, wh: 1 }));
      points.push(tele('roll', 'g2', t0 + i * MIN + 30_000, { watts: 10, wh: 2 }));
    }
    await s.store.write(points);
    await s.store.rollup(t0, t0 + 2 * 86_400_000);
    const q = { measurement: 'telemetry' as const, where: { compound: 'roll' }, from: t0, to: t0 + 86_400_000 };
    const minute = await series(s.store, { ...q, field: 'watts', level: 'minute', inner: 'mean', outer: 'sum' });
    expect(minute).toHaveLength(180);
    expect(minute[0]).toEqual([t0, 110]);
    expect(minute[179]).toEqual([t0 + 179 * MIN, 60]);
    const hour = await series(s.store, { ...q, field: 'watts', level: 'hour', inner: 'mean', outer: 'sum' });
    expect(hour).toEqual([
      [t0, 110],
      [t0 + HOUR, 60],
      [t0 + 2 * HOUR, 60],
    ]);
    const day = await series(s.store, { ...q, field: 'wh', level: 'day', inner: 'sum', outer: 'sum' });
    expect(day).toEqual([[t0, 540]]);
    const peak = await series(s.store, { ...q, field: 'watts', level: 'day', inner: 'max', outer: 'max' });
    expect(peak).toEqual([[t0, 100]]);
  });
});

describe('embedded store retention', () => {
  it('prunes raw points past their days in chunks and keeps answering from the roll-ups', async () => {
    const dir = tempDir('caideng-metrics-');
    const db = await openDb({ file: join(dir, 'm.sqlite'), log });
    const store = new SqliteMetricsStore({ db, log, retention: { rawDays: 30, minuteDays: 35, hourDays: 400, dayDays: 0 }, writer: 'in-thread', pruneChunkRows: 100 });
    try {
      await store.start();
      const now = Date.now();
      const old = Math.floor((now - 40 * 86_400_000) / HOUR) * HOUR;
      const points = Array.from({ length: 600 }, (_, i) => tele('ret', 'g1', old + i * 6000, { watts: 30, wh: 0.05 }));
      points.push(tele('ret', 'g1', now - HOUR, { watts: 30, wh: 0.05 }));
      await store.write(points);
      // The background job: roll-ups of what arrived (from the oldest new point), then the prune.
      const removed = await store.maintain(now);
      // 600 raw points and their 60 minute buckets are past their days; the hour and day roll-ups stay.
      expect(removed).toBe(600 + 60);
      const raw = await store.buckets({ measurement: 'telemetry', field: 'wh', from: old, to: old + HOUR, level: 'raw' });
      expect(raw).toEqual([]);
      const hour = await series(store, { measurement: 'telemetry', field: 'wh', where: { compound: 'ret' }, from: old, to: old + HOUR, level: 'hour', inner: 'sum', outer: 'sum' });
      expect(hour).toHaveLength(1);
      expect(hour[0]![1]).toBeCloseTo(30, 6);
    } finally {
      await store.close();
      await db.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the outbox bound', () => {
  it('warns near its bound and, when full, drops its oldest batches first, counted', async () => {
    const dir = tempDir('caideng-outbox-');
    const db = await openDb({ file: join(dir, 'o.sqlite'), log });
    try {
      const outbox = new Outbox(db, 1000, 0.8, log);
      await outbox.open();
      const batch = (first: number) => Array.from({ length: 300 }, (_, i) => tele('o', 'g1', first + i, { watts: first + i }));
      await outbox.append(batch(0));
      await outbox.append(batch(300));
      expect(outbox.counters).toMatchObject({ outboxPoints: 600, outboxNearFull: 0, outboxDropped: 0 });
      await outbox.append(batch(600));
      expect(outbox.counters).toMatchObject({ outboxPoints: 900, outboxNearFull: 1 });
      // A fourth batch would pass 1000: the oldest goes.
      await outbox.append(batch(900));
      expect(outbox.counters).toMatchObject({ outboxPoints: 900, outboxBatches: 3, outboxDropped: 300 });
      expect((await outbox.peek())!.points[0]!.ts).toBe(300);
      // What a restart finds.
      const again = new Outbox(db, 1000, 0.8, log);
      await again.open();
      expect(again.counters).toMatchObject({ outboxPoints: 900, outboxBatches: 3 });
    } finally {
      await db.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
