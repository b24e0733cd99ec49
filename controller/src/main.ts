#!/usr/bin/env node
/**
 * `caideng` — starts the controller. `--demo` adds a simulated county of every registered device.
 *   node controller/dist/main.js [--config file.json] [--demo] [--http-port N] [--mqtt-port N] [--data-dir DIR] [--at ISO] [--speed N]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CaidengError } from '@caideng/protocol';
import { loadConfigFile } from './config/load.js';
import type { ConfigInput } from './config/schema.js';
import { startController } from './controller.js';
import { startSimulation, type Simulation } from './demo.js';
import { Clock, parseClockStart } from './clock.js';
import { localTime } from './features/schedule/time.js';
import { createLogger } from './logger.js';
import { cityRegistry } from './registry/city.js';
import { installProcessGuard } from './processGuard.js';

/** Compounds a city demo simulates: the whole city is 44,000 devices, more than one simulator process should carry. */
const CITY_SIMULATED_COMPOUNDS = 100;

const USAGE = `Usage: caideng [options]     (npm start runs it with --demo)

Starts the controller: MQTT broker, HTTP API and dashboard.

  -c, --config FILE     configuration file (JSON; default $CAIDENG_CONFIG, else built-in defaults);
                        $CAIDENG_INFLUX_PASSWORD sets metrics.influx.password
  --demo                also run a simulated county of every registered device
  --city                a generated city instead of the county: 2,000 compounds of 20 lantern groups and
                        2 kiosks (registry/city.ts), data in var/city unless --data-dir says otherwise;
                        with --demo the first ${CITY_SIMULATED_COMPOUNDS} compounds are simulated
  --http-port N         HTTP port of the API, dashboard and MQTT over WebSocket (0 = any free port)
  --mqtt-port N         MQTT (TCP) port (0 = any free port)
  --data-dir DIR        directory for the store and the provisioning file (credentials.json)
  --registry FILE       the county's registry (default controller/config/rong-county.json)
  --log-level LEVEL     trace, debug, info (default), warn, error, fatal or silent
  --at ISO              demo clock: start the controller's clock (and the simulated county's) at this
                        instant, e.g. 2027-02-05T18:30+08:00; the dashboard header says it is shifted
  --speed N             demo clock: run it N times faster than real time (default 1)
  -h, --help            this text
`;

/** Ends the process once everything written to stdout and stderr has gone out (a bare exit() cuts piped output). */
function exitWhenFlushed(code: number): void {
  process.exitCode = code;
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  for (const stream of [process.stdout, process.stderr]) {
    if (stream.destroyed || !stream.writable) done();
    else stream.write('', done);
  }
}

/**
 * Keeps the process alive until `work` settles. Closing the store waits for its checkpoint thread, which is
 * unref'd; with nothing else left (a start that failed, the end of a stop) the loop would empty first and
 * Node would end silently with code 0 instead of reporting the failure.
 */
async function whileAlive<T>(work: Promise<T>): Promise<T> {
  const keepAlive = setInterval(() => undefined, 60_000);
  try {
    return await work;
  } finally {
    clearInterval(keepAlive);
  }
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        config: { type: 'string', short: 'c' },
        demo: { type: 'boolean', default: false },
        city: { type: 'boolean', default: false },
        'http-port': { type: 'string' },
        'mqtt-port': { type: 'string' },
        'data-dir': { type: 'string' },
        registry: { type: 'string' },
        'log-level': { type: 'string' },
        at: { type: 'string' },
        speed: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    // parseArgs throws a TypeError (with a stack) for an unknown flag or a missing value: one line instead.
    if (!String((err as { code?: string }).code).startsWith('ERR_PARSE_ARGS')) throw err;
    const unknown = /Unknown option '([^']+)'/.exec((err as Error).message);
    process.stderr.write(`caideng: ${unknown ? `unknown option '${unknown[1]}'` : (err as Error).message.split('\n')[0]} (see --help)\n`);
    process.exitCode = 2;
    return;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const configFile = values.config ?? process.env.CAIDENG_CONFIG;
  const input: ConfigInput & Record<string, unknown> = configFile ? (loadConfigFile(configFile) as ConfigInput & Record<string, unknown>) : {};
  const section = <K extends 'http' | 'mqtt' | 'demo' | 'log'>(k: K) => (input[k] ??= {}) as NonNullable<ConfigInput[K]>;
  if (values['http-port'] !== undefined) section('http').port = Number(values['http-port']);
  if (values['mqtt-port'] !== undefined) section('mqtt').port = Number(values['mqtt-port']);
  if (values['data-dir'] !== undefined) input.dataDir = values['data-dir'];
  if (values.registry !== undefined) input.registryFile = values.registry;
  if (values['log-level'] !== undefined) section('log').level = values['log-level'] as never;
  if (values.city) {
    input.dataDir ??= 'var/city';
    const file = join(input.dataDir, 'city-registry.json');
    mkdirSync(input.dataDir, { recursive: true });
    // Generated the same every time: the devices' credentials stay valid across restarts.
    writeFileSync(file, JSON.stringify(cityRegistry()) + '\n');
    input.registryFile = file;
    section('demo').compounds ??= CITY_SIMULATED_COMPOUNDS;
  }
  // The InfluxDB password comes from the environment (docker-compose's .env), never from a committed file.
  const influxPassword = process.env.CAIDENG_INFLUX_PASSWORD;
  if (influxPassword !== undefined) {
    // The partial input of an optional section (the schema fills in the rest).
    const metrics = (input.metrics ??= {}) as { influx?: Record<string, unknown> };
    metrics.influx = { ...metrics.influx, password: influxPassword };
  }
  let clock: Clock;
  try {
    const speed = values.speed !== undefined ? Number(values.speed) : 1;
    if (!Number.isFinite(speed) || speed <= 0 || speed > 3600) throw new RangeError(`--speed: a number in (0, 3600], got '${values.speed}'`);
    clock = new Clock({ ...(values.at !== undefined ? { at: parseClockStart(values.at) } : {}), speed });
  } catch (err) {
    process.stderr.write(`caideng: ${(err as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  const clockArgs = [...(values.at !== undefined ? ['--at', values.at] : []), ...(values.speed !== undefined ? ['--speed', values.speed] : [])];
  if (values.demo) {
    section('demo').simulate = true;
    // The demo county's programme (nightly show, Spring Festival, Mid-Autumn, curfew, quiet hours), once.
    ((input.schedule ??= {}) as NonNullable<ConfigInput['schedule']>).seedDemoProgramme ??= true;
    ((input.auth ??= {}) as NonNullable<ConfigInput['auth']>).demoUsers ??= true;
    if (section('log').pretty === undefined && process.stdout.isTTY) section('log').pretty = true;
  }

  // Installed before anything starts, so a rejection during start-up is logged too.
  const guard = installProcessGuard({ log: createLogger({ level: 'info', pretty: false }) });
  const controller = await whileAlive(startController(input, { clock }));
  let simulation: Simulation | null = null;
  if (controller.config.demo.simulate) {
    simulation = startSimulation(controller.config, controller.mqttUrl, controller.log, clockArgs);
    // The scheduler lights the county as its programme says (groups are resolved as they come online).
    simulation.connected
      .then(() => controller.log.info({ compounds: controller.registry.county.compounds.length }, 'simulated county connected'))
      .catch((err: unknown) => controller.log.error({ err }, 'simulated county failed'));
  }
  process.stdout.write(
    `\n  caideng is running\n  Dashboard 仪表盘:  ${controller.httpUrl}/\n  API:               ${controller.httpUrl}/api/compounds\n  MQTT:              ${controller.mqttUrl}  (WebSocket ${controller.wsUrl})\n  Credentials:       npm run credentials\n${controller.clock.shifted ? `  Demo clock 演示时钟: ${localTime(controller.clock.now(), controller.config.timezone)} ×${controller.clock.speed}\n` : ''}${await signInBanner(controller)}\n`,
  );

  const stopAll = async () => {
    await simulation?.stop();
    await controller.stop();
  };
  guard.attach(controller.log, stopAll);
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    controller.log.info({ signal }, 'stopping');
    try {
      // The simulated devices leave first, while the broker can still record them going offline.
      await whileAlive(stopAll());
    } catch (err) {
      controller.log.error({ err }, 'stop failed');
      exitWhenFlushed(1);
      return;
    }
    exitWhenFlushed(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

/** Who can sign in (no passwords: those are in the provisioning file, shown by `npm run credentials`). */
async function signInBanner(controller: Awaited<ReturnType<typeof startController>>): Promise<string> {
  const users = (await controller.accounts.list()).filter((u) => !u.disabled);
  const names = (scopes: string[]) => scopes.map((s) => controller.accounts.tree.node(s)?.name ?? s).join(', ');
  const w = Math.max(8, ...users.map((u) => u.username.length));
  const lines = users.map((u) => `    ${u.username.padEnd(w)}  ${u.role.padEnd(9)}  ${u.role === 'admin' ? 'everything' : names(u.scopes)}`);
  return `\n  Sign in 登录 as one of these users; their passwords: npm run credentials -- --users\n${lines.join('\n')}\n`;
}

main().catch((err: unknown) => {
  if (err instanceof CaidengError) {
    process.stderr.write(`caideng: ${err.code}: ${err.message}\n`);
  } else if (typeof (err as NodeJS.ErrnoException).syscall === 'string') {
    // A system error (a port in use, a directory not writable) is the operator's to fix: its message says it all.
    process.stderr.write(`caideng: ${(err as Error).message}\n`);
  } else {
    process.stderr.write(`caideng: ${(err as Error).stack ?? String(err)}\n`);
  }
  exitWhenFlushed(1);
});
