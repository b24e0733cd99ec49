/**
 * The simulator CLI as a function, so tests run it in-process. Prints JSON lines; the controller's demo mode
 * spawns it and waits for `{"msg":"county connected",…}`.
 */
import { startCounty, type County } from '../county.js';
import { realClock, shiftedClock } from '../clock.js';
import { renderedScenePowerModel } from '../power.js';
import { createJsonLogger } from '../log.js';
import { runFeedbackNight } from '../scenarios/feedbackNight.js';
import { CliUsageError, parseCliArgs, USAGE, type CliOptions } from './options.js';

export interface CliIo {
  /** Where log lines go. Default process.stdout. */
  write?: (line: string) => void;
  /** Where usage errors go. Default process.stderr. */
  writeError?: (text: string) => void;
  /** Stops the fleet when aborted, like SIGINT. */
  signal?: AbortSignal;
  /** Install SIGINT/SIGTERM handlers. Default true. */
  handleSignals?: boolean;
  /** Called once the county is connected (tests use it to reach the fleet). */
  onConnected?: (county: County) => void;
}

/** Runs the CLI until a signal; resolves with the exit code. */
export async function runCli(argv: readonly string[], io: CliIo = {}): Promise<number> {
  const writeError = io.writeError ?? ((text: string) => void process.stderr.write(text));
  let parsed;
  try {
    parsed = parseCliArgs(argv);
  } catch (err) {
    if (err instanceof CliUsageError) {
      writeError(`error: ${err.message} (see --help)\n`);
      return 2;
    }
    throw err;
  }
  if (parsed.help) {
    (io.write ?? ((t: string) => void process.stdout.write(t)))(`${USAGE}\n`);
    return 0;
  }
  const options = parsed.options;
  const log = createJsonLogger({ ns: 'simulators', level: options.logLevel, ...(io.write ? { write: io.write } : {}) });
  if (options.scenario) return runScenario(options, log, io.write ?? ((line: string) => void process.stdout.write(line)));

  // Wait for a stop request from the moment we start: a SIGTERM while connecting must also stop cleanly.
  let requestStop: (why: string) => void = () => {};
  const stopRequested = new Promise<string>((resolve) => (requestStop = resolve));
  const onSigint = () => requestStop('SIGINT');
  const onSigterm = () => requestStop('SIGTERM');
  const handleSignals = io.handleSignals ?? true;
  if (handleSignals) {
    process.once('SIGINT', onSigint);
    process.once('SIGTERM', onSigterm);
  }
  const onAbort = () => requestStop('aborted');
  io.signal?.addEventListener('abort', onAbort, { once: true });

  const started = Date.now();
  let county: County | undefined;
  let statsTimer: NodeJS.Timeout | undefined;
  try {
    const starting = startCounty({
      credentials: options.credentials,
      url: options.url,
      compounds: options.compounds,
      groupsPerCompound: options.groupsPerCompound,
      kiosksPerCompound: options.kiosksPerCompound,
      telemetryIntervalMs: options.telemetryIntervalMs,
      pressRatePerMinute: options.pressRatePerMinute,
      seed: options.seed,
      faults: options.faults,
      connectConcurrency: options.connectConcurrency,
      clock: options.at !== undefined || (options.speed ?? 1) !== 1 ? shiftedClock(options.at ?? Date.now(), options.speed ?? 1) : realClock,
      // The demo meters what the lanterns would really draw: each scene's frame, rendered by the scenes library.
      powerModel: renderedScenePowerModel,
      log,
    });
    const first = await Promise.race([starting.then((c) => ({ county: c })), stopRequested.then((why) => ({ why }))]);
    if ('why' in first) {
      log.info('stopping before connected', { reason: first.why });
      // Let the start finish (or fail) and then stop whatever connected.
      await starting.then((c) => c.stop()).catch(() => {});
      return 0;
    }
    county = first.county;
    const c = county.counters();
    log.info('county connected', {
      devices: county.devices.size,
      groups: c.groups,
      kiosks: c.kiosks,
      compounds: new Set([...county.devices.values()].map((d) => d.address.compound)).size,
      url: county.url,
      ms: Date.now() - started,
    });
    io.onConnected?.(county);
    if (options.statsIntervalS > 0) {
      const fleet = county;
      statsTimer = setInterval(() => log.info('stats', { ...fleet.counters() }), options.statsIntervalS * 1000);
    }
    const why = await stopRequested;
    log.info('stopping', { reason: why });
    clearInterval(statsTimer);
    await county.stop();
    log.info('stopped', { ...county.counters() });
    return 0;
  } catch (err) {
    log.error('simulators failed', { err });
    return 1;
  } finally {
    clearInterval(statsTimer);
    if (handleSignals) {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigterm);
    }
    io.signal?.removeEventListener('abort', onAbort);
  }
}

/** A scripted scenario: runs it to its end, prints its report as one JSON line, stops its devices. */
async function runScenario(options: CliOptions, log: ReturnType<typeof createJsonLogger>, write: (line: string) => void): Promise<number> {
  try {
    const night = await runFeedbackNight({
      credentials: options.credentials,
      ...(options.url ? { url: options.url } : {}),
      ...(options.speed ? { speed: options.speed } : {}),
      seed: options.seed,
      log,
    });
    await night.stop();
    write(`${JSON.stringify(night.report)}\n`);
    return night.report.unconfirmed === 0 ? 0 : 1;
  } catch (err) {
    log.error('scenario failed', { err });
    return 1;
  }
}
