/**
 * Nothing lost when InfluxDB is away: real devices publish telemetry over MQTT to a real controller whose
 * metrics go to a real influxd; influxd is stopped for CAIDENG_OUTAGE_MS (default 5 s; the issue's
 * figure is 30 s: CAIDENG_OUTAGE_MS=30000) and started again. Every reading acknowledged by the broker is
 * in InfluxDB afterwards, once, with its value, in order; the points went through the on-disk outbox. The
 * second case also restarts the controller while InfluxDB is down: the outbox survives the restart.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MqttClient } from 'mqtt';
import { topic } from '@caideng/protocol';
import { connectDevice, endClient, publish, startTestController, tempDir, type TestController } from './helpers.js';
import { startInfluxd, type Influxd } from './influxd.js';
import type { ConfigInput } from '@caideng/controller';

const OUTAGE_MS = Math.max(3000, Number(process.env.CAIDENG_OUTAGE_MS ?? 5000));
const GROUPS = ['g01', 'g02', 'g03'];
const TIMEOUT = 2 * OUTAGE_MS + 30_000;

let influxd: Influxd;
let dbs = 0;
beforeAll(async () => {
  influxd = await startInfluxd();
});
afterAll(async () => {
  await influxd?.dispose();
});

function config(database: string): ConfigInput {
  return {
    metrics: {
      backend: 'influx',
      influx: { url: influxd.url, database, requestTimeoutMs: 1000 },
      batchPoints: 100,
      flushMs: 50,
      retryBaseMs: 100,
      retryMaxMs: 500,
    },
  };
}

/** Three groups of compound alpha publishing telemetry (QoS 1); a reading counts as sent once the broker acknowledged it. */
class Flow {
  readonly sent = new Map<string, Array<[number, number]>>(GROUPS.map((g) => [g, []]));
  private clients: MqttClient[] = [];
  private running = false;
  private loops: Promise<void>[] = [];
  private seq = 0;
  private lastTs = 0;

  get count(): number {
    return [...this.sent.values()].reduce((n, l) => n + l.length, 0);
  }

  async start(ctl: TestController): Promise<void> {
    this.clients = await Promise.all(GROUPS.map((g) => connectDevice(ctl, `alpha/group/${g}`)));
    this.running = true;
    this.loops = GROUPS.map((g, i) => this.loop(g, this.clients[i]!));
  }

  async pause(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    await Promise.all(this.clients.map((c) => endClient(c)));
  }

  private async loop(group: string, client: MqttClient): Promise<void> {
    const address = { compound: 'alpha', role: 'group' as const, device: group };
    while (this.running) {
      // Unique, increasing device times; the value is the reading's sequence number, to check order and content.
      const ts = (this.lastTs = Math.max(Date.now(), this.lastTs + 1));
      const watts = ++this.seq;
      await publish(client, topic(address, 'telemetry'), { v: 1, ts, watts, faults: [], uptimeS: 1 }, { qos: 1 });
      this.sent.get(group)!.push([ts, watts]);
      // Pacing of a device's reports, not a wait for an event.
      await new Promise((r) => setTimeout(r, 15));
    }
  }
}

/** Resolves when the controller has taken `n` telemetry messages off the bus since `listen` was called. */
function telemetrySeen(ctl: TestController) {
  let seen = 0;
  let want = Infinity;
  let done: () => void = () => undefined;
  const reached = new Promise<void>((r) => (done = r));
  ctl.bus.on('group.telemetry', reached, () => {
    if (++seen >= want) done();
  });
  return {
    get seen() {
      return seen;
    },
    until(n: number) {
      want = n;
      if (seen >= n) done();
      return reached;
    },
  };
}

async function stored(database: string): Promise<Map<string, Array<[number, number]>>> {
  const q = `SELECT "watts" FROM "raw"."telemetry" WHERE "compound" = 'alpha' GROUP BY "group"`;
  const res = await fetch(`${influxd.url}/query?db=${database}&epoch=ms&q=${encodeURIComponent(q)}`);
  const body = (await res.json()) as { results: Array<{ series?: Array<{ tags: { group: string }; values: Array<[number, number]> }> }> };
  return new Map((body.results[0]!.series ?? []).map((s) => [s.tags.group, s.values]));
}

function expectAllStored(flow: Flow, got: Map<string, Array<[number, number]>>): void {
  for (const g of GROUPS) {
    const sent = flow.sent.get(g)!;
    const have = got.get(g) ?? [];
    expect(have.length, `${g}: count`).toBe(sent.length);
    // InfluxDB answers in time order: the values are the sequence numbers in the order they were sent.
    expect(have).toEqual(sent);
    const values = have.map(([, w]) => w);
    expect(new Set(values).size, `${g}: none twice`).toBe(values.length);
  }
}

let ctl: TestController | undefined;
afterEach(async () => {
  await ctl?.dispose();
  ctl = undefined;
  if (!influxd.running) await influxd.start();
});

describe('metrics while InfluxDB is away', () => {
  it(`keeps every reading through a ${OUTAGE_MS / 1000} s outage: all present, in order, none twice`, async () => {
    const database = `outage${++dbs}`;
    ctl = await startTestController(config(database));
    await ctl.metrics.ready();
    const seen = telemetrySeen(ctl);
    const flow = new Flow();
    await flow.start(ctl);
    await vi.waitFor(() => expect(ctl!.metrics.counters.written).toBeGreaterThan(50), { timeout: 5000 });

    await influxd.stop();
    const outageEnds = Date.now() + OUTAGE_MS;
    await vi.waitFor(() => expect(ctl!.metrics.counters.outboxPoints).toBeGreaterThan(0), { timeout: 5000 });
    await new Promise((r) => setTimeout(r, Math.max(0, outageEnds - Date.now())));
    const duringOutage = flow.count;
    expect(ctl.metrics.counters.writeFailures).toBeGreaterThan(0);
    await influxd.start();
    await new Promise((r) => setTimeout(r, 500));
    await flow.pause();

    await seen.until(flow.count);
    await ctl.metrics.idle();
    const c = ctl.metrics.counters;
    expect(c.outboxPoints).toBe(0);
    expect(c.replayed).toBeGreaterThan(0);
    expect(c.outboxDropped).toBe(0);
    expect(duringOutage).toBeGreaterThan(100);
    expectAllStored(flow, await stored(database));
  }, TIMEOUT);

  it('keeps them when the controller restarts during the outage: the outbox survives', async () => {
    const database = `outage${++dbs}`;
    const dataDir = tempDir();
    const first = await startTestController(config(database), dataDir);
    ctl = first;
    await first.metrics.ready();
    const seen1 = telemetrySeen(first);
    const flow = new Flow();
    await flow.start(first);
    await vi.waitFor(() => expect(first.metrics.counters.written).toBeGreaterThan(50), { timeout: 5000 });

    await influxd.stop();
    const outageEnds = Date.now() + OUTAGE_MS;
    await vi.waitFor(() => expect(first.metrics.counters.outboxPoints).toBeGreaterThan(0), { timeout: 5000 });
    await new Promise((r) => setTimeout(r, OUTAGE_MS / 3));
    await flow.pause();
    await seen1.until(flow.count);
    await first.stop();

    // The new controller starts with InfluxDB still down: it says why, and keeps what the last one left.
    const second = await startTestController(config(database), dataDir);
    ctl = second;
    await vi.waitFor(() => expect(second.metrics.lastStartError?.reason).toBe('unreachable'), { timeout: 5000 });
    expect(second.metrics.counters.outboxPoints).toBeGreaterThan(0);
    const carried = second.metrics.counters.outboxPoints;
    const seen2 = telemetrySeen(second);
    const before = flow.count;
    await flow.start(second);
    await new Promise((r) => setTimeout(r, Math.max(0, outageEnds - Date.now())));
    await influxd.start();
    await second.metrics.ready();
    await new Promise((r) => setTimeout(r, 300));
    await flow.pause();

    await seen2.until(flow.count - before);
    await second.metrics.idle();
    expect(second.metrics.counters.outboxPoints).toBe(0);
    expect(second.metrics.counters.replayed).toBeGreaterThanOrEqual(carried);
    expectAllStored(flow, await stored(database));
  }, TIMEOUT);

  it('keeps every point when InfluxDB is slow rather than down: writes time out, wait in the outbox, replay', async () => {
    const database = `outage${++dbs}`;
    ctl = await startTestController(config(database));
    await ctl.metrics.ready();
    const t0 = Date.now() - 60_000;
    const record = (from: number, n: number) => {
      for (let i = from; i < from + n; i++) ctl!.metrics.record({ measurement: 'telemetry', tags: { compound: 'alpha', group: 'g01' }, fields: { watts: i }, ts: t0 + i });
    };
    record(0, 500);
    await ctl.metrics.idle();
    influxd.pause();
    try {
      record(500, 2000);
      // The write of the next batch hangs until the 1 s request timeout; it and the rest go to the outbox.
      await vi.waitFor(() => expect(ctl!.metrics.counters.outboxPoints).toBeGreaterThan(0), { timeout: 5000 });
      record(2500, 500);
    } finally {
      influxd.resume();
    }
    await ctl.metrics.idle();
    expect(ctl.metrics.counters).toMatchObject({ outboxPoints: 0, outboxDropped: 0 });
    expect(ctl.metrics.counters.replayed).toBeGreaterThan(0);
    const got = (await stored(database)).get('g01')!;
    expect(got.map(([, w]) => w)).toEqual(Array.from({ length: 3000 }, (_, i) => i));
  });
});
