/**
 * The simulated county: one lantern group or kiosk simulator per device in the credentials file, sharing
 * one ticker, connected with bounded concurrency, with fleet-wide counters and fault injection.
 */
import { isGroupCredential, isKioskCredential, loadCredentials, type CredentialsFile, type GroupCredential, type KioskCredential } from './credentials.js';
import { FaultInjector, type FaultPlan, type FleetDevice } from './faults.js';
import { Kiosk } from './kiosk.js';
import { LanternGroup } from './lanternGroup.js';
import { silentLogger, type Logger } from './log.js';
import type { PowerModel } from './power.js';
import { deviceSeed } from './prng.js';
import { FleetTicker } from './ticker.js';
import { realClock, type SimClock } from './clock.js';

export interface CountyOptions {
  /** The credentials file's content, or its path. */
  credentials: CredentialsFile | string;
  /** Broker URL. Default: the file's mqtt.url. */
  url?: string;
  /** Only the first N compounds (in file order). Default: all. */
  compounds?: number;
  /** Only the first N lantern groups of each compound. Default: all. */
  groupsPerCompound?: number;
  /** Only the first N kiosks of each compound. Default: all. */
  kiosksPerCompound?: number;
  /** Telemetry period of every group, ms; 0 = none (drive it with publishTelemetry()). Default 5000. */
  telemetryIntervalMs?: number;
  /** Mean automatic presses per minute of each kiosk (Poisson). Default 0. */
  pressRatePerMinute?: number;
  /** Fleet seed; each device derives its own from it and its username. Default 1. */
  seed?: number;
  /** Faults to apply once everything is connected. */
  faults?: FaultPlan;
  /** Connections opened at the same time. Default 50. */
  connectConcurrency?: number;
  /** Power model of every group (the hook for the scenes library's estimate). */
  powerModel?: PowerModel;
  /** MQTT keepalive, s. Default 30. */
  keepaliveS?: number;
  /** First reconnect delay after a dropped connection, ms; doubles per failed attempt (jittered). Default 1000. */
  reconnectPeriodMs?: number;
  /** Longest reconnect delay, ms. Default 30000. */
  reconnectMaxMs?: number;
  /** How long each device may take to connect, ms. Default 30000. */
  connectTimeoutMs?: number;
  /** Kiosk: how long press() waits for a receipt, ms. Default 10000. */
  receiptTimeoutMs?: number;
  /** Kiosk: re-send a press unconfirmed this long on a live connection, ms. Default 10000. */
  resendAfterMs?: number;
  /** Resolution of the shared ticker, ms. Default 50. */
  tickResolutionMs?: number;
  /** The county's clock (a demo's shifted, faster clock: `--at`, `--speed`). Default real time. */
  clock?: SimClock;
  /** time.sync period of every group, real ms; 0 = never. Default 60000. */
  timeSyncIntervalMs?: number;
  /** Groups follow their compound's retained plan while the controller is out of reach. Default true. */
  followPlan?: boolean;
  log?: Logger;
}

export interface FleetCounters {
  groups: number;
  kiosks: number;
  /** Devices connected right now. */
  connected: number;
  connects: number;
  /** Reconnect attempts scheduled by the devices' backoff. */
  reconnectAttempts: number;
  commandsReceived: number;
  acksSent: number;
  duplicates: number;
  expired: number;
  invalidCommands: number;
  statesSent: number;
  telemetrySent: number;
  presses: number;
  eventsSent: number;
  resends: number;
  receipts: number;
  /** Presses still waiting for a receipt. */
  unconfirmed: number;
  /** Messages received on `error` topics. */
  errorsReceived: number;
  malformedSent: number;
  drops: number;
  flaps: number;
}

export interface County {
  readonly url: string;
  readonly groups: readonly LanternGroup[];
  readonly kiosks: readonly Kiosk[];
  /** Every simulated device by username. */
  readonly devices: ReadonlyMap<string, FleetDevice>;
  readonly faults: FaultInjector;
  readonly ticker: FleetTicker;
  device(username: string): FleetDevice | undefined;
  counters(): FleetCounters;
  /** Destroys a device's socket without DISCONNECT: the broker publishes its offline will. It stays down. */
  kill(username: string): void;
  /** Reconnects a killed or stopped device. */
  revive(username: string): Promise<void>;
  /** Graceful: every device publishes offline and disconnects; timers stop. */
  stop(): Promise<void>;
}

/** Picks the devices to simulate, in file order, honouring the per-compound limits; bridge-served ones are left out. */
export function selectDevices(
  file: CredentialsFile,
  limits: Pick<CountyOptions, 'compounds' | 'groupsPerCompound' | 'kiosksPerCompound'> = {},
): { groups: GroupCredential[]; kiosks: KioskCredential[]; compounds: string[] } {
  const compounds: string[] = [];
  for (const d of file.devices) if ((d.role === 'group' || d.role === 'kiosk') && !compounds.includes(d.compound)) compounds.push(d.compound);
  const chosen = compounds.slice(0, limits.compounds ?? compounds.length);
  const groups: GroupCredential[] = [];
  const kiosks: KioskCredential[] = [];
  for (const compound of chosen) {
    // A device a bridge speaks for is the bridge's to simulate or drive (the firmware bridge), not ours.
    const inCompound = file.devices.filter((d) => d.compound === compound && d.bridge === undefined);
    groups.push(...inCompound.filter(isGroupCredential).slice(0, limits.groupsPerCompound ?? Infinity));
    kiosks.push(...inCompound.filter(isKioskCredential).slice(0, limits.kiosksPerCompound ?? Infinity));
  }
  return { groups, kiosks, compounds: chosen };
}

/** Runs `task` over `items` with at most `limit` in flight; collects failures instead of stopping at the first. */
async function forEachBounded<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<Array<{ item: T; error: Error }>> {
  const failures: Array<{ item: T; error: Error }> = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      try {
        await task(item);
      } catch (error) {
        failures.push({ item, error: error as Error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return failures;
}

/** Starts the simulated county and resolves once every device is connected (or rejects, having stopped them all). */
export async function startCounty(options: CountyOptions): Promise<County> {
  const file = typeof options.credentials === 'string' ? await loadCredentials(options.credentials) : options.credentials;
  const url = options.url ?? file.mqtt.url;
  const log = (options.log ?? silentLogger).child('county');
  const seed = options.seed ?? 1;
  const { groups: groupCredentials, kiosks: kioskCredentials, compounds } = selectDevices(file, options);
  const clock = options.clock ?? realClock;
  const ticker = new FleetTicker({ resolutionMs: options.tickResolutionMs ?? 50, now: clock.now });
  const common = {
    url,
    ticker,
    now: clock.now,
    speed: clock.speed,
    keepaliveS: options.keepaliveS,
    reconnectPeriodMs: options.reconnectPeriodMs,
    reconnectMaxMs: options.reconnectMaxMs,
    connectTimeoutMs: options.connectTimeoutMs,
    log: options.log,
  };
  const groups = groupCredentials.map(
    (c) =>
      new LanternGroup(c, {
        ...common,
        seed: deviceSeed(seed, c.username),
        telemetryIntervalMs: options.telemetryIntervalMs,
        powerModel: options.powerModel,
        timeSyncIntervalMs: options.timeSyncIntervalMs,
        followPlan: options.followPlan,
      }),
  );
  const kiosks = kioskCredentials.map(
    (c) =>
      new Kiosk(c, {
        ...common,
        seed: deviceSeed(seed, c.username),
        pressRatePerMinute: options.pressRatePerMinute,
        receiptTimeoutMs: options.receiptTimeoutMs,
        resendAfterMs: options.resendAfterMs,
      }),
  );
  const devices = new Map<string, FleetDevice>();
  for (const d of [...groups, ...kiosks]) devices.set(d.username, d);

  const problems = options.faults ? FaultInjector.check(options.faults, devices) : [];
  if (problems.length > 0) throw new Error(`fault plan: ${problems.join('; ')}`);

  const faults = new FaultInjector(devices, { seed, compounds, log: options.log });
  const stopAll = async () => {
    faults.stop();
    await Promise.all([...devices.values()].map((d) => d.stop().catch(() => {})));
    ticker.stop();
  };

  log.info('connecting', { url, compounds: compounds.length, groups: groups.length, kiosks: kiosks.length });
  const failures = await forEachBounded([...devices.values()], options.connectConcurrency ?? 50, (d) => d.start());
  if (failures.length > 0) {
    await stopAll();
    const shown = failures.slice(0, 5).map((f) => f.error.message);
    const more = failures.length > 5 ? ` (and ${failures.length - 5} more)` : '';
    throw new Error(`${failures.length} of ${devices.size} devices could not connect: ${shown.join('; ')}${more}`);
  }
  if (options.faults) faults.apply(options.faults);

  const device = (username: string) => devices.get(username);
  const need = (username: string) => {
    const d = devices.get(username);
    if (!d) throw new Error(`no simulated device '${username}'`);
    return d;
  };
  return {
    url,
    groups,
    kiosks,
    devices,
    faults,
    ticker,
    device,
    counters: () => fleetCounters(groups, kiosks, faults),
    kill: (username) => need(username).kill(),
    revive: (username) => need(username).start(),
    stop: stopAll,
  };
}

function fleetCounters(groups: readonly LanternGroup[], kiosks: readonly Kiosk[], faults: FaultInjector): FleetCounters {
  const c: FleetCounters = {
    groups: groups.length,
    kiosks: kiosks.length,
    connected: 0,
    connects: 0,
    reconnectAttempts: 0,
    commandsReceived: 0,
    acksSent: 0,
    duplicates: 0,
    expired: 0,
    invalidCommands: 0,
    statesSent: 0,
    telemetrySent: 0,
    presses: 0,
    eventsSent: 0,
    resends: 0,
    receipts: 0,
    unconfirmed: 0,
    errorsReceived: 0,
    malformedSent: faults.counters.malformedSent,
    drops: faults.counters.drops,
    flaps: faults.counters.flaps,
  };
  for (const g of groups) {
    const n = g.counters;
    if (g.connected) c.connected++;
    c.connects += n.connects;
    c.reconnectAttempts += g.deviceCounters.reconnectAttempts;
    c.commandsReceived += n.commandsReceived;
    c.acksSent += n.acksSent;
    c.duplicates += n.duplicates;
    c.expired += n.expired;
    c.invalidCommands += n.invalidCommands;
    c.statesSent += n.statesSent;
    c.telemetrySent += n.telemetrySent;
    c.errorsReceived += n.errorsReceived;
  }
  for (const k of kiosks) {
    const n = k.counters;
    if (k.connected) c.connected++;
    c.connects += n.connects;
    c.reconnectAttempts += k.deviceCounters.reconnectAttempts;
    c.presses += n.presses;
    c.eventsSent += n.eventsSent;
    c.resends += n.resends;
    c.receipts += n.receipts;
    c.unconfirmed += k.unconfirmed.length;
    c.errorsReceived += n.errorsReceived;
  }
  return c;
}
