/**
 * `npm run bench -- [--devices 2000] [--telemetry-rate 5000] [--steady-s 10] [--commands 200]
 *                   [--compound-commands 20] [--ingest-rounds 3] [--out bench-results/bench.json]`
 *
 * Drives N simulated lantern groups (one MQTT client each) against the caideng controller and, in the same
 * run, against a bare aedes broker as the baseline. Reports connect time, maximum telemetry ingest (QoS 1,
 * median of rounds), publish → live-consumer latency at a steady telemetry rate, command round trips
 * (controller → group → ack stored) and compound-wide command completion under that load, and the broker
 * process's RSS per 1,000 connected devices. Prints a table on stderr and the JSON on stdout.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { cpus } from 'node:os';
import { PROTOCOL_VERSION, topic } from '@caideng/protocol';
import { LanternGroup } from '../lanternGroup.js';
import { collectGarbage, cpuTimes, startProfile, median, readRssBytes, round, summary } from './stats.js';

const WINDOW = 8;
import { startBareAedes, startController, type Target } from './targets.js';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '2000' },
    'telemetry-rate': { type: 'string', default: '5000' },
    'steady-s': { type: 'string', default: '10' },
    commands: { type: 'string', default: '200' },
    'compound-commands': { type: 'string', default: '20' },
    'ingest-rounds': { type: 'string', default: '3' },
    'ingest-messages': { type: 'string', default: '60000' },
    out: { type: 'string', default: 'bench-results/bench.json' },
    'profile-dir': { type: 'string' },
    'profile-phase': { type: 'string', default: 'steady' },
  },
  strict: true,
});
const opts = {
  devices: Number(values.devices),
  telemetryRate: Number(values['telemetry-rate']),
  steadyS: Number(values['steady-s']),
  commands: Number(values.commands),
  compoundCommands: Number(values['compound-commands']),
  ingestRounds: Number(values['ingest-rounds']),
  ingestMessages: Number(values['ingest-messages']),
};
for (const [k, v] of Object.entries(opts)) {
  if (!Number.isFinite(v) || v <= 0) {
    process.stderr.write(`bench: --${k} must be a positive number\n`);
    process.exit(2);
  }
}

const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (i < items.length) await fn(items[i++]!);
    }),
  );
}

async function measure(target: Target) {
  const gcThenRss = async () => {
    await collectGarbage(await target.inspectorUrl);
    return readRssBytes(target.pid);
  };
  const rssIdle = await gcThenRss();
  // --- connect -------------------------------------------------------------------------------------
  const devices = target.groups.map((g) => new LanternGroup(g, { url: target.mqttUrl, telemetryIntervalMs: 0, reconnectPeriodMs: 0, keepaliveS: 120 }));
  const connectSamples: number[] = [];
  const t0 = performance.now();
  await pool(devices, 100, async (d) => {
    const s = performance.now();
    await d.start();
    connectSamples.push(performance.now() - s);
  });
  const connectMs = performance.now() - t0;
  log(`${target.name}: ${devices.length} devices connected in ${round(connectMs)} ms`);
  await new Promise((r) => setTimeout(r, 1000)); // let retained states and availability settle before reading RSS
  const rssConnected = await gcThenRss();

  // --- maximum ingest, QoS 1 --------------------------------------------------------------------------
  const rates: number[] = [];
  const cpuShares: Array<{ target: number; bench: number }> = [];
  const perDevice = Math.max(1, Math.round(opts.ingestMessages / devices.length));
  const ingestProfiler = values['profile-dir'] && values['profile-phase'] === 'ingest' ? await startProfile(await target.inspectorUrl) : null;
  // Round 0 warms up the JIT and the connections; it is not counted.
  for (let round_ = -1; round_ < opts.ingestRounds; round_++) {
    const start = performance.now();
    const cpu0 = await cpuTimes(target.pid);
    const self0 = process.cpuUsage();
    await Promise.all(
      devices.map(async (d, i) => {
        const g = target.groups[i]!;
        const t = topic({ compound: g.compound, role: 'group', device: g.device }, 'telemetry');
        // A window of QoS 1 publishes in flight per device, as a device with buffered readings sends them.
        for (let k = 0; k < perDevice; k += WINDOW) {
          const batch: Array<Promise<void>> = [];
          for (let j = k; j < Math.min(perDevice, k + WINDOW); j++) {
            batch.push(d.publishRaw(t, JSON.stringify({ v: PROTOCOL_VERSION, ts: Date.now(), watts: 50 + (j % 50), faults: [], uptimeS: j }), { qos: 1 }));
          }
          await Promise.all(batch);
        }
      }),
    );
    const rate = (perDevice * devices.length) / ((performance.now() - start) / 1000);
    if (round_ < 0) {
      log(`${target.name}: ingest warm-up: ${Math.round(rate)} msg/s`);
      continue;
    }
    rates.push(rate);
    const wall = (performance.now() - start) / 1000;
    const targetCpu = ((await cpuTimes(target.pid)) - cpu0) / wall;
    const self = process.cpuUsage(self0);
    const benchCpu = (self.user + self.system) / 1e6 / wall;
    cpuShares.push({ target: targetCpu, bench: benchCpu });
    log(`${target.name}: ingest round ${round_ + 1}: ${Math.round(rate)} msg/s (cpu: broker ${round(targetCpu * 100, 0)}%, load generator ${round(benchCpu * 100, 0)}%)`);
  }

  if (ingestProfiler) {
    mkdirSync(values['profile-dir']!, { recursive: true });
    writeFileSync(`${values['profile-dir']}/${target.name}-ingest.cpuprofile`, await ingestProfiler.stop());
  }

  // --- steady telemetry with commands on top -------------------------------------------------------------
  // Optionally profile the measured process through this phase, for finding what delays acks and pushes.
  const profiler = values['profile-dir'] && values['profile-phase'] === 'steady' ? await startProfile(await target.inspectorUrl) : null;
  const probe = await target.probeLatency();
  const steadyCpu0 = await cpuTimes(target.pid);
  let sent = 0;
  let next = 0;
  const steadyStart = performance.now();
  const pacer = setInterval(() => {
    const due = Math.floor(((performance.now() - steadyStart) / 1000) * opts.telemetryRate);
    while (sent < due) {
      devices[next]!.publishTelemetry();
      next = (next + 1) % devices.length;
      sent++;
    }
  }, 10);
  await new Promise((r) => setTimeout(r, 1000)); // let the load reach its steady state
  const commandSamples: number[] = [];
  const commandBusSamples: number[] = [];
  for (let i = 0; i < opts.commands; i++) {
    const r = await target.command(target.groups[(i * 7919) % target.groups.length]!);
    commandSamples.push(r.ms);
    if (r.busMs !== undefined) commandBusSamples.push(r.busMs);
  }
  const compoundIds = [...target.compounds.keys()];
  const compoundSamples: number[] = [];
  for (let i = 0; i < opts.compoundCommands; i++) {
    compoundSamples.push((await target.compoundCommand(compoundIds[i % compoundIds.length]!)).ms);
  }
  const remaining = opts.steadyS * 1000 - (performance.now() - steadyStart);
  if (remaining > 0) await new Promise((r) => setTimeout(r, remaining));
  clearInterval(pacer);
  const steadyS = (performance.now() - steadyStart) / 1000;
  const steadyCpu = ((await cpuTimes(target.pid)) - steadyCpu0) / steadyS;
  const targetMetrics = (await target.metrics()) as { eventLoopDelayMs?: unknown } | null;
  await new Promise((r) => setTimeout(r, 500));
  await probe.stop();
  if (profiler) {
    mkdirSync(values['profile-dir']!, { recursive: true });
    const file = `${values['profile-dir']}/${target.name}.cpuprofile`;
    writeFileSync(file, await profiler.stop());
    log(`${target.name}: CPU profile written to ${file}`);
  }
  const rssAfterLoad = await gcThenRss();

  await pool(devices, 200, (d) => d.stop());
  const groupsPerCompound = Math.max(...[...target.compounds.values()].map((g) => g.length));
  return {
    target: target.name,
    devices: devices.length,
    connect: { totalMs: round(connectMs), perDeviceMs: summary(connectSamples) },
    ingest: {
      qos: 1,
      window: WINDOW,
      roundsMsgPerS: rates.map((r) => Math.round(r)),
      medianMsgPerS: Math.round(median(rates)),
      cpu: { brokerCores: round(median(cpuShares.map((c) => c.target))), loadGeneratorCores: round(median(cpuShares.map((c) => c.bench))) },
    },
    steady: {
      telemetryMsgPerS: Math.round(sent / steadyS),
      brokerCpuCores: round(steadyCpu),
      publishToConsumerMs: summary(probe.samples),
      consumer: target.name === 'controller' ? 'socket.io client (batched per compound, 50 ms)' : 'MQTT subscriber',
    },
    eventLoopDelayMs: targetMetrics?.eventLoopDelayMs ?? null,
    command: {
      roundTripMs: summary(commandSamples),
      busOnlyMs: commandBusSamples.length ? summary(commandBusSamples) : null,
      until: target.name === 'controller' ? 'ack stored, HTTP answer' : 'ack received',
    },
    compoundCommand: { groups: groupsPerCompound, allAckedMs: summary(compoundSamples) },
    memory: {
      rssIdleMB: round(rssIdle / 2 ** 20),
      rssConnectedMB: round(rssConnected / 2 ** 20),
      rssAfterLoadMB: round(rssAfterLoad / 2 ** 20),
      perThousandDevicesMB: round(((rssConnected - rssIdle) / devices.length) * 1000 / 2 ** 20),
    },
  };
}

type Result = Awaited<ReturnType<typeof measure>>;

function table(results: Result[]): string {
  const [c, a] = [results.find((r) => r.target === 'controller')!, results.find((r) => r.target === 'bare-aedes')!];
  const rows: Array<[string, string, string, string]> = [
    ['metric', 'controller', 'bare aedes', 'target / ratio'],
    ['devices connected', String(c.devices), String(a.devices), ''],
    ['connect all (ms)', String(c.connect.totalMs), String(a.connect.totalMs), ''],
    ['connect per device p50/p99 (ms)', `${c.connect.perDeviceMs.p50}/${c.connect.perDeviceMs.p99}`, `${a.connect.perDeviceMs.p50}/${a.connect.perDeviceMs.p99}`, ''],
    ['max ingest QoS1, median (msg/s)', String(c.ingest.medianMsgPerS), String(a.ingest.medianMsgPerS), `ratio ${round(c.ingest.medianMsgPerS / a.ingest.medianMsgPerS)} (≥ 0.67)`],
    ['steady telemetry (msg/s)', String(c.steady.telemetryMsgPerS), String(a.steady.telemetryMsgPerS), ''],
    ['publish → consumer p50/p99 (ms)', `${c.steady.publishToConsumerMs.p50}/${c.steady.publishToConsumerMs.p99}`, `${a.steady.publishToConsumerMs.p50}/${a.steady.publishToConsumerMs.p99}`, 'p99 < 250'],
    ['command publish → ack, bus only p50/p99 (ms)', c.command.busOnlyMs ? `${c.command.busOnlyMs.p50}/${c.command.busOnlyMs.p99}` : '', '', 'ms resolution'],
    ['command round trip p50/p99 (ms)', `${c.command.roundTripMs.p50}/${c.command.roundTripMs.p99}`, `${a.command.roundTripMs.p50}/${a.command.roundTripMs.p99}`, 'p99 < 15'],
    [`compound command, ${c.compoundCommand.groups} groups p50/p99 (ms)`, `${c.compoundCommand.allAckedMs.p50}/${c.compoundCommand.allAckedMs.p99}`, `${a.compoundCommand.allAckedMs.p50}/${a.compoundCommand.allAckedMs.p99}`, ''],
    ['RSS idle / connected (MB)', `${c.memory.rssIdleMB}/${c.memory.rssConnectedMB}`, `${a.memory.rssIdleMB}/${a.memory.rssConnectedMB}`, ''],
    ['RSS per 1,000 devices (MB)', String(c.memory.perThousandDevicesMB), String(a.memory.perThousandDevicesMB), '< 30'],
  ];
  const w = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r, i) => r.map((cell, j) => cell.padEnd(w[j]!)).join('  ') + (i === 0 ? '\n' + w.map((n) => '-'.repeat(n)).join('  ') : '')).join('\n');
}

async function main(): Promise<void> {
  log(`${opts.devices} devices, ${opts.telemetryRate} msg/s steady telemetry, ${cpus().length} cores, node ${process.version}`);
  const results: Result[] = [];
  for (const start of [startBareAedes, startController]) {
    const target = await start(opts.devices);
    try {
      results.push(await measure(target));
    } finally {
      await target.stop();
    }
  }
  const c = results.find((r) => r.target === 'controller')!;
  const a = results.find((r) => r.target === 'bare-aedes')!;
  const report = {
    when: new Date().toISOString(),
    machine: { cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version },
    options: opts,
    results,
    ratios: {
      ingestControllerOverAedes: round(c.ingest.medianMsgPerS / a.ingest.medianMsgPerS),
      commandP99ControllerOverAedes: round(c.command.roundTripMs.p99 / a.command.roundTripMs.p99),
      rssPerThousandControllerOverAedes: round(c.memory.perThousandDevicesMB / a.memory.perThousandDevicesMB),
    },
    targets: {
      ingestAtLeastTwoThirdsOfAedes: c.ingest.medianMsgPerS >= (2 / 3) * a.ingest.medianMsgPerS,
      commandP99Under15ms: c.command.roundTripMs.p99 < 15,
      dashboardP99Under250ms: c.steady.publishToConsumerMs.p99 < 250,
      rssPerThousandUnder30MB: c.memory.perThousandDevicesMB < 30,
    },
  };
  process.stderr.write('\n' + table(results) + '\n\n');
  mkdirSync(dirname(values.out!), { recursive: true });
  writeFileSync(values.out!, JSON.stringify(report, null, 2) + '\n');
  process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  log(`written to ${values.out}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
