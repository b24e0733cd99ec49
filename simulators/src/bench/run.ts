/**
 * `npm run bench -- [--devices 2000] [--rounds 3] …` (see args.ts or --help).
 *
 * Drives N simulated lantern groups (one MQTT client each) against the caideng controller and, in the same
 * run, against a bare aedes broker as the baseline, in `--rounds` passes whose order alternates (bare aedes
 * first, then the controller first, …). A live viewer watches every compound for each whole pass. Reports
 * connect time, maximum telemetry ingest (QoS 1, counted when stored), publish → viewer latency at a steady
 * telemetry rate, command round trips (controller → group → ack stored) and compound-wide command completion
 * under that load, and RSS per 1,000 connected devices against a controller with none registered. Prints a
 * table on stderr and the JSON on stdout.
 */
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { cpus } from 'node:os';
import { Fleet } from './fleet.js';
import { BenchUsageError, parseBenchArgs, USAGE, type BenchOptions } from './args.js';
import { collectGarbage, cpuTimes, mainThreadSched, startProfile, median, readRssBytes, round, summary } from './stats.js';
import { maxConnections, openFilesLimit, startBareAedes, startController, type Target } from './targets.js';

/** QoS 1 publishes in flight per device during maximum ingest, as a device with buffered readings sends them. */
const WINDOW = 8;
/** An ingest round ends when everything is ingested, or when the count has not moved for this long. */
const INGEST_STALL_MS = 5000;
const INGEST_POLL_MS = 10;
/** One-group and compound commands sent, uncounted, before the measured ones of each pass. */
const WARM_UP_COMMANDS = 5;

const TARGETS = {
  ingestRatio: 0.67,
  dashboardP99Ms: 250,
  rssPerThousandMB: 30,
  /** Core hardening's target up to 2,000 devices; the city's (issue 12) above. */
  commandP99Ms: 15,
  cityCommandP99Ms: 50,
  /** Every device connected within this of the start, and again of the restart (the city's target). */
  connectAllMs: 60_000,
  rssMB: 1024,
} as const;
const commandTarget = (devices: number) => (devices <= 2000 ? TARGETS.commandP99Ms : TARGETS.cityCommandP99Ms);
/** Reconnect backoff of the simulated devices: first delay, and the longest. */
const RECONNECT_BASE_MS = 500;
const RECONNECT_MAX_MS = 5000;
/** CONNECTs in flight per fleet process while the fleet connects (the controller queues what it cannot take yet). */
const CONNECT_IN_FLIGHT_PER_PROCESS = 250;

/** Microseconds on CLOCK_MONOTONIC, shared by every process of the machine (V8 stamps profile samples with it). */
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (i < items.length) await fn(items[i++]!);
    }),
  );
}

async function gcThenRss(target: Pick<Target, 'inspectorUrl' | 'pid'>): Promise<number> {
  await collectGarbage(await target.inspectorUrl);
  return readRssBytes(target.pid);
}

/** Polls the target until `goal` messages are ingested or the count stalls; returns the count and when it was reached. */
async function untilIngested(target: Target, goal: number): Promise<{ count: number; at: number }> {
  let count = (await target.ingested()) ?? 0;
  let at = performance.now();
  while (count < goal && performance.now() - at < INGEST_STALL_MS) {
    await sleep(INGEST_POLL_MS);
    const now = (await target.ingested()) ?? 0;
    if (now > count) {
      count = now;
      at = performance.now();
    }
  }
  return { count, at };
}

/** The controller's RSS with the same county tree and no device registered: the base of "per 1,000 devices". */
async function emptyControllerRss(devices: number): Promise<number> {
  const empty = await startController(devices, { registered: false });
  try {
    const viewer = await empty.openViewer();
    await sleep(1000);
    const rss = await gcThenRss(empty);
    await viewer.close();
    return rss;
  } finally {
    await empty.stop();
  }
}

interface PassPlan {
  round: number;
  commands: number;
  compoundCommands: number;
}

async function measure(target: Target, opts: BenchOptions, plan: PassPlan) {
  const tag = `round ${plan.round + 1}, ${target.name}`;
  // The viewer watches for the whole pass: connect, ingest and steady load all pay for the realtime path.
  const viewer = await target.openViewer();
  await sleep(500);
  const rssIdle = await gcThenRss(target);
  // --- connect -------------------------------------------------------------------------------------
  // Devices reconnect with backoff on both targets: a CONNECT that timed out on a busy machine is tried again.
  const fleet = await Fleet.start(target.groups, target.mqttUrl, {
    processes: opts.fleetProcesses,
    reconnectBaseMs: RECONNECT_BASE_MS,
    ...(opts.viaBridges && target.bridges ? { bridges: target.bridges } : {}),
    reconnectMaxMs: RECONNECT_MAX_MS,
  });
  const devices = { length: fleet.devices };
  const generatorCpu0 = (await fleet.status()).cpuS;
  const selfCpu0 = process.cpuUsage();
  const passStart = performance.now();
  try {
    const t0 = performance.now();
    // Devices connecting at once, over the fleet: enough that the broker, not the generator, sets the pace.
    const { samples: connectSamples } = await fleet.connect(CONNECT_IN_FLIGHT_PER_PROCESS);
    const connectMs = performance.now() - t0;
    log(`${tag}: ${devices.length} devices connected in ${round(connectMs)} ms (${fleet.processes} fleet processes)`);
    await sleep(1000); // let retained states and availability settle before reading RSS
    const rssConnected = await gcThenRss(target);

    // --- maximum ingest, QoS 1, counted when stored --------------------------------------------------
    const ingestRounds: Array<{ msgPerS: number; sent: number; ingested: number; drainMs: number; brokerCores: number; loadGeneratorCores: number }> = [];
    const perDevice = Math.max(1, Math.round(opts.ingestMessages / devices.length));
    const sent = perDevice * devices.length;
    const countsStored = (await target.ingested()) !== null;
    if (!countsStored) log(`${tag}: the system does not report what it ingested; counting PUBACKs instead`);
    const ingestProfiler = opts.profileDir && opts.profilePhase === 'ingest' ? await startProfile(await target.inspectorUrl) : null;
    // Round 0 warms up the JIT and the connections; it is not counted.
    for (let r = -1; r < opts.ingestRounds; r++) {
      const before = countsStored ? ((await target.ingested()) ?? 0) : 0;
      const start = performance.now();
      const cpu0 = await cpuTimes(target.pid);
      const fleetCpu0 = (await fleet.status()).cpuS;
      await fleet.ingest(perDevice, WINDOW);
      const pubacked = performance.now();
      const done = countsStored ? await untilIngested(target, before + sent) : { count: sent, at: pubacked };
      const ingested = done.count - before;
      const wall = (done.at - start) / 1000;
      const rate = ingested / wall;
      if (r < 0) {
        log(`${tag}: ingest warm-up: ${Math.round(rate)} msg/s`);
        continue;
      }
      const brokerCores = ((await cpuTimes(target.pid)) - cpu0) / wall;
      const loadGeneratorCores = ((await fleet.status()).cpuS - fleetCpu0) / wall;
      ingestRounds.push({ msgPerS: rate, sent, ingested, drainMs: done.at - pubacked, brokerCores, loadGeneratorCores });
      log(
        `${tag}: ingest ${Math.round(rate)} msg/s, ${ingested}/${sent} ingested, last ${round(done.at - pubacked, 0)} ms after the last PUBACK ` +
          `(cpu: broker ${round(brokerCores * 100, 0)}%, load generator ${round(loadGeneratorCores * 100, 0)}%)`,
      );
    }
    if (ingestProfiler) {
      mkdirSync(opts.profileDir!, { recursive: true });
      writeFileSync(`${opts.profileDir}/${target.name}-r${plan.round + 1}-ingest.cpuprofile`, await ingestProfiler.stop());
    }

    // --- steady telemetry with commands on top -------------------------------------------------------
    const profiler = opts.profileDir && opts.profilePhase === 'steady' ? await startProfile(await target.inspectorUrl) : null;
    const latency = viewer.recordLatency();
    const steadyCpu0 = await cpuTimes(target.pid);
    const steadySched0 = await mainThreadSched(target.pid);
    // The load generator's own lag: its devices answer commands, so a late turn of its loop delays acks too.
    let steadySent = 0;
    let generatorLoopP99 = 0;
    const steadyFleetCpu0 = (await fleet.status()).cpuS;
    const steadyStart = performance.now();
    await fleet.startSteady(opts.telemetryRate);
    let steadyS: number;
    let steadyCpu: number;
    let steadySched = { onCpuMs: 0, waitingMs: 0 };
    const commandSamples: number[] = [];
    let commandFailures = 0;
    const commandBusSamples: number[] = [];
    const compoundSamples: number[] = [];
    const warmUpSamples: number[] = [];
    /** Each command's start and end on the machine's monotonic clock, the clock of the CPU profile's timestamps. */
    const timeline: Array<{
      kind: 'group' | 'compound';
      startUs: number;
      endUs: number;
      ms: number;
      busMs: number | null;
      /** The measured process's main thread during the command: on a CPU, and runnable but waiting for one. */
      brokerOnCpuMs: number | null;
      brokerWaitingForCpuMs: number | null;
    }> = [];
    try {
      await sleep(1000); // let the load reach its steady state
      // The first commands of a process run cold code (a first route call, first statements): not the steady
      // state. They are kept apart, in the report, as ingest keeps its warm-up round apart.
      const compoundIds = [...target.compounds.keys()];
      for (let i = 0; i < WARM_UP_COMMANDS; i++) {
        warmUpSamples.push((await target.command(target.groups[(i * 31) % target.groups.length]!)).ms);
        warmUpSamples.push((await target.compoundCommand(compoundIds[i % compoundIds.length]!)).ms);
      }
      for (let i = 0; i < plan.commands; i++) {
        const sched0 = await mainThreadSched(target.pid);
        const startUs = monotonicUs();
        const r = await target.command(target.groups[((plan.round * plan.commands + i) * 7919) % target.groups.length]!);
        const endUs = monotonicUs();
        const sched1 = await mainThreadSched(target.pid);
        commandSamples.push(r.ms);
        if (r.failed) commandFailures++;
        if (r.busMs !== undefined) commandBusSamples.push(r.busMs);
        timeline.push({
          kind: 'group',
          startUs,
          endUs,
          ms: round(r.ms),
          busMs: r.busMs ?? null,
          brokerOnCpuMs: round(sched1.onCpuMs - sched0.onCpuMs),
          brokerWaitingForCpuMs: round(sched1.waitingMs - sched0.waitingMs),
        });
      }
      for (let i = 0; i < plan.compoundCommands; i++) {
        const startUs = monotonicUs();
        const r = await target.compoundCommand(compoundIds[(plan.round * plan.compoundCommands + i) % compoundIds.length]!);
        compoundSamples.push(r.ms);
        if (r.failed) commandFailures++;
        timeline.push({ kind: 'compound', startUs, endUs: monotonicUs(), ms: round(r.ms), busMs: r.busMs ?? null, brokerOnCpuMs: null, brokerWaitingForCpuMs: null });
      }
      const remaining = opts.steadyS * 1000 - (performance.now() - steadyStart);
      if (remaining > 0) await sleep(remaining);
    } finally {
      ({ sent: steadySent, loopDelayP99Ms: generatorLoopP99 } = await fleet.stopSteady());
      steadyS = (performance.now() - steadyStart) / 1000;
      steadyCpu = ((await cpuTimes(target.pid)) - steadyCpu0) / steadyS;
      const s1 = await mainThreadSched(target.pid);
      steadySched = { onCpuMs: s1.onCpuMs - steadySched0.onCpuMs, waitingMs: s1.waitingMs - steadySched0.waitingMs };
    }
    const targetMetrics = (await target.metrics()) as { eventLoopDelayMs?: unknown } | null;
    await sleep(500);
    latency.stop();
    if (profiler) {
      mkdirSync(opts.profileDir!, { recursive: true });
      const file = `${opts.profileDir}/${target.name}-r${plan.round + 1}.cpuprofile`;
      writeFileSync(file, await profiler.stop());
      writeFileSync(file.replace(/\.cpuprofile$/, '-commands.json'), JSON.stringify(timeline) + '\n');
      log(`${tag}: CPU profile written to ${file}, the commands' timeline beside it`);
    }
    const rssAfterLoad = await gcThenRss(target);

    // --- restart: killed, started again on the same data and port; every device reconnects with backoff ---
    let restart: { startMs: number; allBackMs: number; reconnectAttempts: number; phasesMs: Record<string, number> | null; connected: number } | null = null;
    if (target.restart) {
      await viewer.close();
      const attempts0 = (await fleet.status()).reconnectAttempts;
      const t0 = performance.now();
      const started = await target.restart();
      let status = await fleet.status();
      while (status.connected < devices.length && performance.now() - t0 < 180_000) {
        await sleep(100);
        status = await fleet.status();
      }
      const allBackMs = performance.now() - t0;
      restart = { startMs: started.startMs, allBackMs, reconnectAttempts: status.reconnectAttempts - attempts0, phasesMs: started.phasesMs, connected: status.connected };
      log(
        `${tag}: killed and restarted: serving after ${round(started.startMs, 0)} ms, ${status.connected}/${devices.length} devices back after ${round(allBackMs, 0)} ms ` +
          `(${restart.reconnectAttempts} reconnect attempts; start phases ${JSON.stringify(started.phasesMs)})`,
      );
    }
    const passS = (performance.now() - passStart) / 1000;
    const self = process.cpuUsage(selfCpu0);
    const generatorPassCores = ((await fleet.status()).cpuS - generatorCpu0 + (self.user + self.system) / 1e6) / passS;
    return {
      retained: target.name === 'controller' ? 'indexed (the controller)' : opts.baselineRetained,
      restart,
      fleetProcesses: fleet.processes,
      generatorPassCores,
      target: target.name,
      round: plan.round + 1,
      devices: devices.length,
      connectMs,
      connectSamples,
      ingest: { countedWhen: countsStored ? ('stored' as const) : ('puback' as const), rounds: ingestRounds },
      steady: {
        telemetryMsgPerS: steadySent / steadyS,
        brokerCpuCores: steadyCpu,
        latencySamples: latency.samples,
        mainThread: { onCpu: steadySched.onCpuMs / 1000 / steadyS, waitingForCpu: steadySched.waitingMs / 1000 / steadyS },
        // The histogram records the interval between its 1 ms timer's turns: the delay is what exceeds 1 ms.
        generatorLoopDelayMs: { p99: round(generatorLoopP99) },
        generatorCores: round(((await fleet.status()).cpuS - steadyFleetCpu0) / steadyS),
      },
      slowCommands: slowCommandBreakdown(timeline),
      viewer: viewer.received(),
      eventLoopDelayMs: targetMetrics?.eventLoopDelayMs ?? null,
      commandSamples,
      commandFailures,
      commandBusSamples,
      warmUpSamples,
      compoundSamples,
      groupsPerCompound: Math.max(...[...target.compounds.values()].map((g) => g.length)),
      rss: { idle: rssIdle, connected: rssConnected, afterLoad: rssAfterLoad },
      logCounts: { ...target.logCounts },
    };
  } finally {
    await fleet.stop();
    await viewer.close();
  }
}

/**
 * Where the one-group commands over the target's p99 bound spent their time, from the measured process's
 * main thread: on a CPU (its own work, and whatever it did before getting to the command) or runnable but
 * waiting for a CPU (the machine was busy); the rest it was idle, waiting for the device or the network.
 */
function slowCommandBreakdown(timeline: Array<{ kind: string; ms: number; brokerOnCpuMs: number | null; brokerWaitingForCpuMs: number | null }>) {
  const slow = timeline.filter((c) => c.kind === 'group' && c.ms > TARGETS.commandP99Ms);
  const sum = (pick: (c: (typeof slow)[number]) => number) => round(slow.reduce((n, c) => n + pick(c), 0), 1);
  return { over: TARGETS.commandP99Ms, n: slow.length, totalMs: sum((c) => c.ms), brokerOnCpuMs: sum((c) => c.brokerOnCpuMs ?? 0), brokerWaitingForCpuMs: sum((c) => c.brokerWaitingForCpuMs ?? 0) };
}

type Pass = Awaited<ReturnType<typeof measure>> & { rssBase: number; rssBaseFrom: 'controller with no devices registered' | 'idle, before devices connect' };

const mb = (bytes: number) => round(bytes / 2 ** 20);
const perThousandMB = (p: Pass) => round(((p.rss.connected - p.rssBase) / p.devices) * 1000 / 2 ** 20);

/** One target's figures over every pass: samples pooled, per-pass figures as medians. */
function aggregate(passes: Pass[]) {
  const first = passes[0]!;
  const ingest = passes.flatMap((p) => p.ingest.rounds);
  const pooled = (pick: (p: Pass) => number[]) => passes.flatMap(pick);
  return {
    target: first.target,
    devices: first.devices,
    passes: passes.length,
    connect: { totalMsMedian: round(median(passes.map((p) => p.connectMs))), perDeviceMs: summary(pooled((p) => p.connectSamples)) },
    ingest: {
      qos: 1,
      window: WINDOW,
      countedWhen: first.ingest.countedWhen,
      roundsMsgPerS: ingest.map((r) => Math.round(r.msgPerS)),
      medianMsgPerS: Math.round(median(ingest.map((r) => r.msgPerS))),
      notIngested: ingest.reduce((n, r) => n + r.sent - r.ingested, 0),
      drainAfterLastPubackMs: summary(ingest.map((r) => r.drainMs)),
      cpu: { brokerCores: round(median(ingest.map((r) => r.brokerCores))), loadGeneratorCores: round(median(ingest.map((r) => r.loadGeneratorCores))) },
    },
    steady: {
      telemetryMsgPerS: Math.round(median(passes.map((p) => p.steady.telemetryMsgPerS))),
      brokerCpuCores: round(median(passes.map((p) => p.steady.brokerCpuCores))),
      publishToViewerMs: summary(pooled((p) => p.steady.latencySamples)),
      brokerMainThread: {
        onCpu: round(median(passes.map((p) => p.steady.mainThread.onCpu))),
        waitingForCpu: round(median(passes.map((p) => p.steady.mainThread.waitingForCpu))),
      },
      generatorLoopDelayMs: passes.map((p) => p.steady.generatorLoopDelayMs),
    },
    viewer: {
      kind: first.target === 'controller' ? "socket.io client subscribed to '*' (changes batched per compound, 50 ms)" : "MQTT subscriber to 'caideng/v1/#'",
      messages: passes.reduce((n, p) => n + p.viewer.messages, 0),
      deviceChanges: passes.reduce((n, p) => n + p.viewer.changes, 0),
    },
    eventLoopDelayMs: passes.map((p) => p.eventLoopDelayMs),
    command: {
      failures: passes.reduce((n, p) => n + p.commandFailures, 0),
      roundTripMs: summary(pooled((p) => p.commandSamples)),
      busOnlyMs: first.commandBusSamples.length ? summary(pooled((p) => p.commandBusSamples)) : null,
      until: first.target === 'controller' ? 'ack stored, HTTP answer' : 'ack received',
      warmUp: { perPass: { group: WARM_UP_COMMANDS, compound: WARM_UP_COMMANDS }, ms: summary(pooled((p) => p.warmUpSamples)) },
      slow: passes.reduce(
        (acc, p) => ({
          over: p.slowCommands.over,
          n: acc.n + p.slowCommands.n,
          totalMs: round(acc.totalMs + p.slowCommands.totalMs, 1),
          brokerOnCpuMs: round(acc.brokerOnCpuMs + p.slowCommands.brokerOnCpuMs, 1),
          brokerWaitingForCpuMs: round(acc.brokerWaitingForCpuMs + p.slowCommands.brokerWaitingForCpuMs, 1),
        }),
        { over: TARGETS.commandP99Ms, n: 0, totalMs: 0, brokerOnCpuMs: 0, brokerWaitingForCpuMs: 0 },
      ),
    },
    compoundCommand: { groups: first.groupsPerCompound, allAckedMs: summary(pooled((p) => p.compoundSamples)) },
    memory: {
      baseFrom: first.rssBaseFrom,
      rssBaseMB: passes.map((p) => mb(p.rssBase)),
      rssIdleMB: passes.map((p) => mb(p.rss.idle)),
      rssConnectedMB: passes.map((p) => mb(p.rss.connected)),
      rssAfterLoadMB: passes.map((p) => mb(p.rss.afterLoad)),
      perThousandDevicesMB: passes.map(perThousandMB),
      perThousandDevicesMBMedian: round(median(passes.map(perThousandMB))),
    },
    logLines: { warn: passes.reduce((n, p) => n + p.logCounts.warn, 0), error: passes.reduce((n, p) => n + p.logCounts.error, 0) },
    restart: passes.some((p) => p.restart)
      ? {
          startMs: passes.map((p) => round(p.restart?.startMs ?? NaN, 0)),
          allBackMs: passes.map((p) => round(p.restart?.allBackMs ?? NaN, 0)),
          allBackMsMax: Math.max(...passes.map((p) => round(p.restart?.allBackMs ?? NaN, 0))),
          back: passes.map((p) => p.restart?.connected ?? 0),
          reconnectAttempts: passes.map((p) => p.restart?.reconnectAttempts ?? 0),
          phasesMs: passes.map((p) => p.restart?.phasesMs ?? null),
          backoff: { firstMs: RECONNECT_BASE_MS, maxMs: RECONNECT_MAX_MS, jitter: 'each delay drawn from the upper half of its doubling ceiling' },
        }
      : null,
    retained: first.retained,
    connectAllMsMax: Math.max(...passes.map((p) => round(p.connectMs, 0))),
    generator: {
      fleetProcesses: first.fleetProcesses,
      passCores: passes.map((p) => round(p.generatorPassCores)),
      steadyCores: passes.map((p) => p.steady.generatorCores),
    },
  };
}

type Result = ReturnType<typeof aggregate>;

function verdicts(c: Result, a: Result) {
  const ingestRatio = round(c.ingest.medianMsgPerS / a.ingest.medianMsgPerS);
  return {
    ingest: { value: ingestRatio, target: `≥ ${TARGETS.ingestRatio} × bare aedes`, met: ingestRatio >= TARGETS.ingestRatio },
    dashboardP99Ms: { value: c.steady.publishToViewerMs.p99, target: `< ${TARGETS.dashboardP99Ms} ms`, met: c.steady.publishToViewerMs.p99 < TARGETS.dashboardP99Ms },
    rssPerThousandMB: { value: c.memory.perThousandDevicesMBMedian, target: `< ${TARGETS.rssPerThousandMB} MB`, met: c.memory.perThousandDevicesMBMedian < TARGETS.rssPerThousandMB },
    commandP99Ms: { value: c.command.roundTripMs.p99, target: `< ${commandTarget(c.devices)} ms`, met: c.command.roundTripMs.p99 < commandTarget(c.devices) },
    connectAllMs: { value: c.connectAllMsMax, target: `< ${TARGETS.connectAllMs / 1000} s`, met: c.connectAllMsMax < TARGETS.connectAllMs },
    reconnectAllMs: {
      value: c.restart?.allBackMsMax ?? null,
      target: `< ${TARGETS.connectAllMs / 1000} s after the restart, none lost`,
      met: c.restart !== null && c.restart.allBackMsMax < TARGETS.connectAllMs && c.restart.back.every((n) => n === c.devices),
    },
    rssConnectedMB: { value: Math.max(...c.memory.rssConnectedMB), target: `< ${TARGETS.rssMB} MB`, met: Math.max(...c.memory.rssConnectedMB) < TARGETS.rssMB },
  };
}

function table(c: Result, a: Result, v: ReturnType<typeof verdicts>): string {
  const mark = (met: boolean) => (met ? 'met' : 'MISSED');
  const p = (s: { p50: number; p99: number }) => `${s.p50} / ${s.p99}`;
  const pct = (f: number) => `${Math.round(f * 100)}%`;
  const rows: Array<[string, string, string, string]> = [
    ['metric', 'controller', 'bare aedes', 'target'],
    ['devices connected', String(c.devices), String(a.devices), ''],
    ['passes (order alternates)', String(c.passes), String(a.passes), ''],
    ['connect all, median (ms)', String(c.connect.totalMsMedian), String(a.connect.totalMsMedian), `worst ${v.connectAllMs.target}: ${mark(v.connectAllMs.met)}`],
    [
      'killed and restarted: serving / all devices back, worst (ms)',
      c.restart ? `${Math.max(...c.restart.startMs)} / ${c.restart.allBackMsMax}` : '',
      '',
      `${v.reconnectAllMs.target}: ${mark(v.reconnectAllMs.met)}`,
    ],
    ['connect per device p50 / p99 (ms)', p(c.connect.perDeviceMs), p(a.connect.perDeviceMs), ''],
    [
      `max ingest QoS 1, counted ${c.ingest.countedWhen === 'stored' ? 'when stored' : 'at PUBACK (!)'}, median (msg/s)`,
      String(c.ingest.medianMsgPerS),
      String(a.ingest.medianMsgPerS),
      `ratio ${v.ingest.value}, ${v.ingest.target}: ${mark(v.ingest.met)}`,
    ],
    ['not ingested (messages)', String(c.ingest.notIngested), String(a.ingest.notIngested), ''],
    ['steady telemetry (msg/s)', String(c.steady.telemetryMsgPerS), String(a.steady.telemetryMsgPerS), ''],
    [
      `publish → viewer p50 / p99, n=${c.steady.publishToViewerMs.n} (ms)`,
      p(c.steady.publishToViewerMs),
      p(a.steady.publishToViewerMs),
      `p99 ${v.dashboardP99Ms.target}: ${mark(v.dashboardP99Ms.met)}`,
    ],
    ['command publish → ack, bus only p50 / p99 (ms)', c.command.busOnlyMs ? p(c.command.busOnlyMs) : '', '', '(ms resolution)'],
    [`command warm-up (uncounted) p50 / max, n=${c.command.warmUp.ms.n} (ms)`, `${c.command.warmUp.ms.p50} / ${c.command.warmUp.ms.max}`, `${a.command.warmUp.ms.p50} / ${a.command.warmUp.ms.max}`, ''],
    [`command round trip p50 / p99, n=${c.command.roundTripMs.n} (ms)`, p(c.command.roundTripMs), p(a.command.roundTripMs), `p99 ${v.commandP99Ms.target}: ${mark(v.commandP99Ms.met)}`],
    [
      `commands over ${c.command.slow.over} ms: n, broker main thread on CPU / waiting for a CPU (ms)`,
      `${c.command.slow.n}: ${c.command.slow.brokerOnCpuMs} / ${c.command.slow.brokerWaitingForCpuMs} of ${c.command.slow.totalMs}`,
      `${a.command.slow.n}: ${a.command.slow.brokerOnCpuMs} / ${a.command.slow.brokerWaitingForCpuMs} of ${a.command.slow.totalMs}`,
      '',
    ],
    [
      'steady: broker main thread on CPU / waiting for a CPU',
      `${pct(c.steady.brokerMainThread.onCpu)} / ${pct(c.steady.brokerMainThread.waitingForCpu)}`,
      `${pct(a.steady.brokerMainThread.onCpu)} / ${pct(a.steady.brokerMainThread.waitingForCpu)}`,
      '(of wall time)',
    ],
    [
      'steady: load generator event-loop delay p99, worst pass (ms)',
      String(Math.max(...c.steady.generatorLoopDelayMs.map((d) => d.p99))),
      String(Math.max(...a.steady.generatorLoopDelayMs.map((d) => d.p99))),
      '(its devices answer the commands)',
    ],
    [`compound command, ${c.compoundCommand.groups} groups, p50 / p99, n=${c.compoundCommand.allAckedMs.n} (ms)`, p(c.compoundCommand.allAckedMs), p(a.compoundCommand.allAckedMs), ''],
    ['RSS base / connected, last pass (MB)', `${c.memory.rssBaseMB.at(-1)} / ${c.memory.rssConnectedMB.at(-1)}`, `${a.memory.rssBaseMB.at(-1)} / ${a.memory.rssConnectedMB.at(-1)}`, ''],
    ['RSS connected, worst pass (MB)', String(v.rssConnectedMB.value), String(Math.max(...a.memory.rssConnectedMB)), `${v.rssConnectedMB.target}: ${mark(v.rssConnectedMB.met)}`],
    [
      `load generator (${c.generator.fleetProcesses} fleet processes) CPU, whole pass / steady (cores)`,
      `${Math.max(...c.generator.passCores)} / ${Math.max(...c.generator.steadyCores)}`,
      `${Math.max(...a.generator.passCores)} / ${Math.max(...a.generator.steadyCores)}`,
      '(of 2 shared cores)',
    ],
    ['RSS per 1,000 devices, median (MB)', String(c.memory.perThousandDevicesMBMedian), String(a.memory.perThousandDevicesMBMedian), `${v.rssPerThousandMB.target}: ${mark(v.rssPerThousandMB.met)}`],
  ];
  const w = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => r.map((cell, j) => cell.padEnd(w[j]!)).join('  ').trimEnd());
  lines.splice(1, 0, w.map((n) => '-'.repeat(n)).join('  '));
  const notes = [
    `RSS base: controller with the same county tree and no devices registered; bare aedes before its devices connect.`,
    `Viewers: controller ${c.viewer.kind}; bare aedes ${a.viewer.kind}.`,
    `Bare aedes retained store: ${a.retained}.`,
  ];
  if (c.compoundCommand.allAckedMs.n < 200) notes.push(`Only ${c.compoundCommand.allAckedMs.n} compound commands: take the figure from ≥ 200 (--compound-commands).`);
  if (c.command.failures + a.command.failures > 0) notes.push(`Commands with a delivery not acked in time: controller ${c.command.failures}, bare aedes ${a.command.failures}.`);
  if (c.logLines.warn + c.logLines.error > 0) notes.push(`The controller logged ${c.logLines.warn} warnings and ${c.logLines.error} errors during the run.`);
  return lines.join('\n') + '\n\n' + notes.join('\n');
}

/** Splits `total` into `parts` nearly equal whole shares. */
function share(total: number, parts: number, i: number): number {
  return Math.floor(total / parts) + (i < total % parts ? 1 : 0);
}

async function run(opts: BenchOptions): Promise<void> {
  // Fail before a long run, not after it, when the report cannot be written.
  try {
    mkdirSync(dirname(opts.out), { recursive: true });
    closeSync(openSync(opts.out, 'a'));
  } catch (err) {
    throw new Error(`cannot write the report to ${opts.out}: ${(err as Error).message}`);
  }
  const connections = opts.viaBridges ? Math.ceil(opts.devices / 20) : opts.devices;
  if (connections > maxConnections()) {
    throw new Error(
      `${connections} connections to one broker process need more than this machine's open-files limit allows (${openFilesLimit()}); ` +
        `raise it (ulimit -n) or run with --via-bridges (one connection per compound of 20 groups)`,
    );
  }
  log(`${opts.devices} devices${opts.viaBridges ? ` behind ${connections} bridges` : ''}, ${opts.rounds} passes, ${opts.telemetryRate} msg/s steady telemetry, ${cpus().length} cores, node ${process.version}`);
  const passes: Pass[] = [];
  const order: string[][] = [];
  for (let r = 0; r < opts.rounds; r++) {
    const plan: PassPlan = { round: r, commands: share(opts.commands, opts.rounds, r), compoundCommands: share(opts.compoundCommands, opts.rounds, r) };
    const sequence = r % 2 === 0 ? (['bare-aedes', 'controller'] as const) : (['controller', 'bare-aedes'] as const);
    order.push([...sequence]);
    for (const name of sequence) {
      let base: { bytes: number; from: Pass['rssBaseFrom'] } | null = null;
      if (name === 'controller') base = { bytes: await emptyControllerRss(opts.devices), from: 'controller with no devices registered' };
      const target = name === 'controller' ? await startController(opts.devices, { bridged: opts.viaBridges }) : await startBareAedes(opts.devices, { retained: opts.baselineRetained, bridged: opts.viaBridges });
      try {
        const pass = await measure(target, opts, plan);
        passes.push({ ...pass, rssBase: base?.bytes ?? pass.rss.idle, rssBaseFrom: base?.from ?? 'idle, before devices connect' });
      } finally {
        await target.stop();
      }
    }
  }
  const c = aggregate(passes.filter((p) => p.target === 'controller'));
  const a = aggregate(passes.filter((p) => p.target === 'bare-aedes'));
  const v = verdicts(c, a);
  const report = {
    when: new Date().toISOString(),
    machine: { cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version },
    options: opts,
    order,
    results: [c, a],
    ratios: {
      ingestControllerOverAedes: v.ingest.value,
      commandP99ControllerOverAedes: round(c.command.roundTripMs.p99 / a.command.roundTripMs.p99),
      rssPerThousandControllerOverAedes: round(c.memory.perThousandDevicesMBMedian / a.memory.perThousandDevicesMBMedian),
    },
    targets: v,
  };
  const json = JSON.stringify(report, null, 2) + '\n';
  writeFileSync(opts.out, json);
  process.stderr.write('\n' + table(c, a, v) + '\n\n');
  log(`written to ${opts.out}`);
  process.stdout.write(json);
}

async function main(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseBenchArgs(argv);
  } catch (err) {
    if (!(err instanceof BenchUsageError)) throw err;
    process.stderr.write(`bench: ${err.message} (see --help)\n`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  try {
    await run(parsed.options);
    return 0;
  } catch (err) {
    // One line for the operator; the stack only says where the benchmark noticed, not what to fix.
    process.stderr.write(`bench: ${(err as Error).message ?? String(err)}\n`);
    if (process.env.CAIDENG_BENCH_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
    return 1;
  }
}

// A reader that goes away (`| head`) is not an error of the benchmark.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
});
// Exit code only: the process ends when stdout and stderr are drained, so piped JSON is never cut.
process.exitCode = await main(process.argv.slice(2));
