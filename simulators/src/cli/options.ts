/** Command-line options of the simulator CLI: parsing and validation, with messages that say what to fix. */
import { parseArgs } from 'node:util';
import { FAULT_CODES } from '@caideng/protocol';
import type { FaultPlan } from '../faults.js';
import { LOG_LEVELS, type LogLevel } from '../log.js';
import type { FaultCode } from '../wire.js';

/** Scripted scenarios (simulators/src/scenarios/). */
export const SCENARIOS = ['feedback-night'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/** Where a controller started without --data-dir writes the credentials file. */
export const DEFAULT_CREDENTIALS = 'var/data/credentials.json';

export const USAGE = `Usage: node simulators/dist/cli.js --credentials FILE [options]

Simulated lantern groups and kiosks of the county, one MQTT connection each.

  --credentials FILE            credentials file written by the controller (required)
  --url URL                     broker URL (default: mqtt.url from the credentials file)
  --compounds N                 only the first N compounds
  --groups-per-compound N       only the first N lantern groups of each compound
  --kiosks-per-compound N       only the first N kiosks of each compound
  --telemetry-interval-ms MS    telemetry period of each group (default 5000; 0 = off)
  --press-rate R                mean presses per minute of each kiosk (default 0.5; 0 = off)
  --seed N                      seed of telemetry noise and presses (default 1)
  --drop USER                   kill a device once connected; it stays down (repeatable)
  --flap USER:SECONDS           drop a device's connection every SECONDS (repeatable)
  --malformed-rate PER_MIN      malformed messages per minute from random devices (default 0)
  --fault USER:CODE             report a fault code in a group's telemetry (repeatable)
                                codes: ${FAULT_CODES.join(', ')}
  --connect-concurrency N       connections opened at once (default 50)
  --at ISO                      the county's clock starts at this instant (a demo evening), e.g. 2027-02-05T18:30+08:00
  --speed N                     the county's clock runs N times faster than real time (default 1; with the
                                controller's demo clock: the same --at and --speed); with --scenario, the
                                scenario's clock speed (default 600)
  --stats-interval-s S          log fleet counters every S seconds (default 60; 0 = off)
  --log-level LEVEL             ${LOG_LEVELS.join(', ')} (default info)
  --scenario NAME               run a scripted scenario and exit instead: ${SCENARIOS.join(', ')}
                                (credentials default var/data/credentials.json); prints its report as JSON
  -h, --help                    this text

USER is a device username, e.g. xinghe-jiayuan/group/g01.`;

export interface CliOptions {
  credentials: string;
  url: string | undefined;
  compounds: number | undefined;
  groupsPerCompound: number | undefined;
  kiosksPerCompound: number | undefined;
  telemetryIntervalMs: number;
  pressRatePerMinute: number;
  seed: number;
  connectConcurrency: number;
  statsIntervalS: number;
  logLevel: LogLevel;
  faults: FaultPlan;
  /** --at: epoch ms the county's clock starts at; undefined: real time. */
  at: number | undefined;
  scenario: ScenarioName | undefined;
  /** --speed as given: the county's clock speed (default 1), or a scenario's clock speed (its own default). */
  speed: number | undefined;
}

export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

export type ParsedCli = { help: true } | { help: false; options: CliOptions };

function integer(flag: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min) throw new CliUsageError(`--${flag} must be an integer >= ${min}, got '${value}'`);
  return n;
}

function decimal(flag: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min) throw new CliUsageError(`--${flag} must be a number >= ${min}, got '${value}'`);
  return n;
}

/** Splits `user:value` at the last colon (usernames contain slashes, never colons). */
function pair(flag: string, value: string, what: string): [string, string] {
  const at = value.lastIndexOf(':');
  if (at <= 0 || at === value.length - 1) throw new CliUsageError(`--${flag} expects USER:${what}, got '${value}'`);
  const user = value.slice(0, at);
  if (user.split('/').length !== 3) throw new CliUsageError(`--${flag}: '${user}' is not a device username ({compound}/{role}/{device})`);
  return [user, value.slice(at + 1)];
}

function username(flag: string, value: string): string {
  if (value.split('/').length !== 3) throw new CliUsageError(`--${flag}: '${value}' is not a device username ({compound}/{role}/{device})`);
  return value;
}

export function parseCliArgs(argv: readonly string[]): ParsedCli {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        credentials: { type: 'string' },
        url: { type: 'string' },
        compounds: { type: 'string' },
        'groups-per-compound': { type: 'string' },
        'kiosks-per-compound': { type: 'string' },
        'telemetry-interval-ms': { type: 'string' },
        'press-rate': { type: 'string' },
        seed: { type: 'string' },
        drop: { type: 'string', multiple: true },
        flap: { type: 'string', multiple: true },
        'malformed-rate': { type: 'string' },
        fault: { type: 'string', multiple: true },
        'connect-concurrency': { type: 'string' },
        'stats-interval-s': { type: 'string' },
        'log-level': { type: 'string' },
        at: { type: 'string' },
        scenario: { type: 'string' },
        speed: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    // parseArgs throws a TypeError with a long hint; the operator gets one line that names the flag.
    const unknown = /Unknown option '([^']+)'/.exec((err as Error).message);
    throw new CliUsageError(unknown ? `unknown option '${unknown[1]}'` : ((err as Error).message.split('\n')[0] ?? String(err)));
  }
  if (values.help) return { help: true };
  if (values.scenario !== undefined && !(SCENARIOS as readonly string[]).includes(values.scenario)) {
    throw new CliUsageError(`--scenario must be one of ${SCENARIOS.join(', ')}, got '${values.scenario}'`);
  }
  if (values.scenario && !values.credentials) values.credentials = DEFAULT_CREDENTIALS;
  if (!values.credentials) throw new CliUsageError('--credentials FILE is required (the controller writes it, e.g. var/demo/credentials.json)');
  if (values.url !== undefined && !/^(mqtts?|wss?|tcp|tls):\/\/./.test(values.url)) {
    throw new CliUsageError(`--url must be a broker URL such as mqtt://127.0.0.1:1883, got '${values.url}'`);
  }
  const logLevel = values['log-level'] ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) throw new CliUsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got '${logLevel}'`);

  const flap = (values.flap ?? []).map((v) => {
    const [user, seconds] = pair('flap', v, 'SECONDS');
    const everyS = Number(seconds);
    if (!Number.isFinite(everyS) || everyS <= 0) throw new CliUsageError(`--flap ${v}: SECONDS must be a number > 0`);
    return { username: user, everyS };
  });
  const telemetryFaults = (values.fault ?? []).map((v) => {
    const [user, code] = pair('fault', v, 'CODE');
    if (!(FAULT_CODES as readonly string[]).includes(code)) throw new CliUsageError(`--fault ${v}: unknown fault code '${code}', expected one of ${FAULT_CODES.join(', ')}`);
    return { username: user, code: code as FaultCode };
  });
  const drop = (values.drop ?? []).map((v) => username('drop', v));
  let at: number | undefined;
  if (values.at !== undefined) {
    // Read as the controller reads its own --at (the demo passes the same text to both).
    at = Date.parse(values.at);
    if (!Number.isFinite(at)) throw new CliUsageError(`--at must be an ISO 8601 instant, e.g. 2027-02-05T18:30+08:00, got '${values.at}'`);
  }
  const speed = decimal('speed', values.speed, 0);
  if (speed !== undefined && (!(speed > 0) || speed > 3600)) throw new CliUsageError(`--speed must be a number > 0 and <= 3600, got '${values.speed}'`);

  return {
    help: false,
    options: {
      credentials: values.credentials,
      url: values.url,
      compounds: integer('compounds', values.compounds, 1),
      groupsPerCompound: integer('groups-per-compound', values['groups-per-compound'], 0),
      kiosksPerCompound: integer('kiosks-per-compound', values['kiosks-per-compound'], 0),
      telemetryIntervalMs: integer('telemetry-interval-ms', values['telemetry-interval-ms'], 0) ?? 5000,
      pressRatePerMinute: decimal('press-rate', values['press-rate'], 0) ?? 0.5,
      seed: integer('seed', values.seed, 0) ?? 1,
      connectConcurrency: integer('connect-concurrency', values['connect-concurrency'], 1) ?? 50,
      statsIntervalS: decimal('stats-interval-s', values['stats-interval-s'], 0) ?? 60,
      logLevel: logLevel as LogLevel,
      at,
      speed,
      faults: {
        drop,
        flap,
        telemetryFaults,
        malformedPerMinute: decimal('malformed-rate', values['malformed-rate'], 0) ?? 0,
      },
      scenario: values.scenario as ScenarioName | undefined,
    },
  };
}
