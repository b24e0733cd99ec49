/**
 * One share of the benchmark's simulated fleet, in its own process (forked by fleet.ts), so the load
 * generator is not one event loop on one core and no process holds more sockets than its file limit.
 * It answers requests from its parent over IPC: connect, ingest, steady telemetry, status, stop.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { PROTOCOL_VERSION, topic } from '@caideng/protocol';
import type { GroupCredential } from '../credentials.js';
import { LanternGroup } from '../lanternGroup.js';
import { BridgedCompound } from './bridgedCompound.js';
import type { FleetReply, FleetRequest } from './fleetProtocol.js';

let groups: LanternGroup[] = [];
let creds: GroupCredential[] = [];
/** The `--via-bridges` topology: one connection per compound; `slots` numbers its groups for the steady pacer. */
let bridges: BridgedCompound[] = [];
let slots: Array<[BridgedCompound, number]> = [];
let steady: { timer: NodeJS.Timeout; sent: number; loop: ReturnType<typeof monitorEventLoopDelay> } | null = null;

async function pool<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (i < items.length) await fn(items[i++]!);
    }),
  );
}

async function handle(req: FleetRequest): Promise<unknown> {
  switch (req.op) {
    case 'init': {
      if (req.bridges) {
        const backoff = { baseMs: req.reconnectBaseMs, maxMs: req.reconnectMaxMs };
        bridges = req.bridges.map((b) => new BridgedCompound(b.bridge, b.groups, req.url, backoff));
        slots = bridges.flatMap((b) => b.groups.map((_, i) => [b, i] as [BridgedCompound, number]));
        return { devices: slots.length };
      }
      creds = req.groups;
      groups = creds.map(
        (g) =>
          new LanternGroup(g, {
            url: req.url,
            telemetryIntervalMs: 0,
            keepaliveS: 120,
            reconnectPeriodMs: req.reconnectBaseMs,
            reconnectMaxMs: req.reconnectMaxMs,
            connectTimeoutMs: 120_000,
            // Throughput and latency only: no clock sync requests and no plan subscription in the measured load.
            timeSyncIntervalMs: 0,
            followPlan: false,
          }),
      );
      return { devices: groups.length };
    }
    case 'connect': {
      const samples: number[] = [];
      const t0 = performance.now();
      if (bridges.length > 0) {
        await pool(bridges, req.concurrency, async (b) => {
          const s = performance.now();
          await b.start();
          samples.push(performance.now() - s);
        });
        return { ms: performance.now() - t0, samples };
      }
      await pool(groups, req.concurrency, async (d) => {
        const s = performance.now();
        await d.start();
        samples.push(performance.now() - s);
      });
      return { ms: performance.now() - t0, samples };
    }
    case 'ingest': {
      if (bridges.length > 0) {
        await Promise.all(
          slots.map(async ([b, i]) => {
            for (let k = 0; k < req.perDevice; k += req.window) {
              const batch: Array<Promise<void>> = [];
              for (let j = k; j < Math.min(req.perDevice, k + req.window); j++) batch.push(b.publishAcked(i, j));
              await Promise.all(batch);
            }
          }),
        );
        return { sent: req.perDevice * slots.length };
      }
      await Promise.all(
        groups.map(async (d, i) => {
          const g = creds[i]!;
          const t = topic({ compound: g.compound, role: 'group', device: g.device }, 'telemetry');
          for (let k = 0; k < req.perDevice; k += req.window) {
            const batch: Array<Promise<void>> = [];
            for (let j = k; j < Math.min(req.perDevice, k + req.window); j++) {
              batch.push(d.publishRaw(t, JSON.stringify({ v: PROTOCOL_VERSION, ts: Date.now(), watts: 50 + (j % 50), faults: [], uptimeS: j }), { qos: 1 }));
            }
            await Promise.all(batch);
          }
        }),
      );
      return { sent: req.perDevice * groups.length };
    }
    case 'steady': {
      const loop = monitorEventLoopDelay({ resolution: 1 });
      loop.enable();
      const start = performance.now();
      let next = 0;
      const s = { sent: 0, loop, timer: setInterval(() => {
        const due = Math.floor(((performance.now() - start) / 1000) * req.ratePerS);
        while (s.sent < due) {
          if (slots.length > 0) {
            const [b, i] = slots[next]!;
            b.publishTelemetry(i);
            next = (next + 1) % slots.length;
          } else {
            groups[next]!.publishTelemetry();
            next = (next + 1) % groups.length;
          }
          s.sent++;
        }
      }, 10) };
      steady = s;
      return {};
    }
    case 'steadyStop': {
      if (!steady) return { sent: 0, loopDelayP99Ms: 0 };
      clearInterval(steady.timer);
      steady.loop.disable();
      const out = { sent: steady.sent, loopDelayP99Ms: Math.max(0, steady.loop.percentile(99) / 1e6 - 1) };
      steady = null;
      return out;
    }
    case 'status': {
      let connected = 0;
      let reconnectAttempts = 0;
      for (const g of groups) {
        if (g.connected) connected++;
        reconnectAttempts += g.deviceCounters.reconnectAttempts;
      }
      for (const b of bridges) {
        if (b.connected) connected += b.groups.length;
        reconnectAttempts += b.reconnectAttempts;
      }
      const cpu = process.cpuUsage();
      return { connected, reconnectAttempts, cpuS: (cpu.user + cpu.system) / 1e6 };
    }
    case 'stop': {
      if (steady) clearInterval(steady.timer);
      await pool(groups, 200, (d) => d.stop());
      await pool(bridges, 200, (b) => b.stop());
      return {};
    }
  }
}

process.on('message', (msg: { id: number; req: FleetRequest }) => {
  handle(msg.req).then(
    (result) => process.send!({ id: msg.id, ok: true, result } satisfies FleetReply),
    (err: unknown) => process.send!({ id: msg.id, ok: false, error: (err as Error).message ?? String(err) } satisfies FleetReply),
  );
});
// The parent going away ends the share: no simulated device outlives the benchmark.
process.on('disconnect', () => process.exit(0));
