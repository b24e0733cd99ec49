/**
 * The InfluxDB store against a real influxd: at start it creates its database, the four retention
 * policies and a continuous query per measurement and level (again at the next start, without error);
 * it says plainly when the server is unreachable or refuses the credentials (and never prints the
 * password); a controller configured for InfluxDB answers the history API from it, and every query of the
 * Grafana dashboard in deploy/ runs against the schema it made.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { InfluxMetricsStore } from '../src/features/metrics/influxStore.js';
import { MEASUREMENTS } from '../src/features/metrics/catalog.js';
import { MetricsStoreError } from '../src/features/metrics/metricsStore.js';
import { ADMIN, startInfluxd, type Influxd } from './influxd.js';
import { apiFetch, startTestController } from './helpers.js';

const log = pino({ level: 'silent' });
const GRAFANA = fileURLToPath(new URL('../../deploy/grafana/caideng-metrics.json', import.meta.url));
const retention = { rawDays: 14, minuteDays: 90, hourDays: 730, dayDays: 0 };

let influxd: Influxd;
let secured: Influxd;
beforeAll(async () => {
  [influxd, secured] = await Promise.all([startInfluxd(), startInfluxd({ auth: true })]);
});
afterAll(async () => {
  await Promise.all([influxd?.dispose(), secured?.dispose()]);
});

async function startError(store: InfluxMetricsStore): Promise<MetricsStoreError> {
  const err = await store.start().then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MetricsStoreError);
  return err as MetricsStoreError;
}

describe('InfluxDB metrics store', () => {
  it('creates its database, retention policies and continuous queries, and does it again at the next start', async () => {
    const options = { url: influxd.url, database: 'setup', requestTimeoutMs: 2000 };
    await new InfluxMetricsStore(options, retention, log).start();
    await new InfluxMetricsStore(options, { ...retention, rawDays: 21 }, log).start();
    const rps = (await influxd.query('SHOW RETENTION POLICIES ON "setup"')) as { results: Array<{ series: Array<{ values: unknown[][] }> }> };
    const byName = Object.fromEntries(rps.results[0]!.series[0]!.values.map((v) => [v[0], { duration: v[1], isDefault: v[4] }]));
    expect(byName).toMatchObject({
      raw: { duration: '504h0m0s', isDefault: true },
      minute: { duration: '2160h0m0s', isDefault: false },
      hour: { duration: '17520h0m0s', isDefault: false },
      day: { duration: '0s', isDefault: false },
    });
    const cqs = (await influxd.query('SHOW CONTINUOUS QUERIES')) as { results: Array<{ series: Array<{ name: string; values: Array<[string, string]> }> }> };
    const mine = cqs.results[0]!.series.find((s) => s.name === 'setup')!.values;
    expect(mine.map(([name]) => name).sort()).toEqual(MEASUREMENTS.flatMap((m) => ['minute', 'hour', 'day'].map((l) => `cq_${m}_${l}`)).sort());
    const minute = mine.find(([name]) => name === 'cq_telemetry_minute')![1];
    expect(minute).toContain('INTO setup.minute.telemetry FROM setup.raw.telemetry');
    expect(minute).toContain('RESAMPLE EVERY 1m FOR 10m');
  });

  it('says when the server is unreachable', async () => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1');
    await once(srv, 'listening');
    const port = (srv.address() as { port: number }).port;
    await new Promise((r) => srv.close(r));
    const err = await startError(new InfluxMetricsStore({ url: `http://127.0.0.1:${port}`, database: 'x', requestTimeoutMs: 1000 }, retention, log));
    expect(err.reason).toBe('unreachable');
    expect(err.message).toMatch(new RegExp(`InfluxDB at http://127.0.0.1:${port} is unreachable \\(ECONNREFUSED\\)`));
  });

  it('says when the credentials are wrong, without the password', async () => {
    const err = await startError(new InfluxMetricsStore({ url: secured.url, database: 'x', username: ADMIN.username, password: 'not-the-password', requestTimeoutMs: 2000 }, retention, log));
    expect(err.reason).toBe('auth');
    expect(err.message).toBe(`InfluxDB at ${secured.url} refused the credentials of user 'admin': check metrics.influx.username and password`);
    expect(err.message).not.toContain('not-the-password');
    // With the right ones it starts.
    await new InfluxMetricsStore({ url: secured.url, database: 'x', ...ADMIN, requestTimeoutMs: 2000 }, retention, log).start();
  });

  it('serves the history API of a controller configured for InfluxDB', async () => {
    const ctl = await startTestController({ metrics: { backend: 'influx', influx: { url: influxd.url, database: 'served' }, flushMs: 20 } });
    try {
      await ctl.metrics.ready();
      const t0 = Math.floor(Date.now() / 10_000) * 10_000 - 60_000;
      for (let i = 0; i < 6; i++) {
        ctl.bus.emit('group.telemetry', { address: { compound: 'alpha', role: 'group', device: 'g01' }, telemetry: { v: 1, ts: t0 + i * 10_000, watts: 120, faults: [], uptimeS: 1 }, receivedAt: Date.now() });
      }
      await ctl.metrics.idle();
      const res = await apiFetch(ctl, `/api/history?series=power&compound=alpha&from=${t0}&to=${t0 + 60_000}`);
      const body = (await res.json()) as { level: string; points: Array<[number, number]> };
      expect(body.level).toBe('raw');
      expect(body.points).toEqual(Array.from({ length: 6 }, (_, i) => [t0 + i * 10_000, 120]));
      const metrics = (await (await apiFetch(ctl, `/api/metrics`)).json()) as { metrics: { backend: string; storeReady: number } };
      expect(metrics.metrics).toMatchObject({ backend: 'influx', storeReady: 1 });
      // Every query of the Grafana dashboard in deploy/ runs against this schema, and the power panel sees the readings.
      const dashboard = JSON.parse(readFileSync(GRAFANA, 'utf8')) as { panels: Array<{ title: string; targets: Array<{ query: string }> }> };
      const answers = new Map<string, unknown>();
      for (const panel of dashboard.panels) {
        for (const target of panel.targets) {
          const q = target.query.replace(/\$timeFilter/g, 'time > now() - 1h').replace(/\$__interval/g, '10s').replace(/\$compound/g, '.*');
          answers.set(panel.title, await influxd.query(q, 'served'));
        }
      }
      expect(JSON.stringify(answers.get('Power, county (W) · 功率'))).toContain(',120]');
    } finally {
      await ctl.dispose();
    }
  });
});
