/**
 * The controller: wires the features in one place, starts them in order and stops them in reverse.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { resolveConfig, type Config, type ConfigInput } from './config/load.js';
import { createLogger } from './logger.js';
import { EventBus } from './bus/eventBus.js';
import { openDb, storeHealth, type Db } from './store/db.js';
import { Broker } from './broker/broker.js';
import { Registry } from './registry/registry.js';
import countyRoutes from './registry/routes.js';
import { CredentialStore } from './credentials/credentials.js';
import credentialRoutes from './credentials/routes.js';
import { DeviceState } from './features/devices/deviceState.js';
import { TelemetryStore } from './features/telemetry/telemetry.js';
import { Commands } from './features/commands/commands.js';
import commandRoutes from './features/commands/routes.js';
import { KioskPresses } from './features/kiosk/kiosk.js';
import { Requests } from './features/requests/requests.js';
import { Rejections } from './features/rejections/rejections.js';
import { Realtime } from './realtime/realtime.js';
import { SceneLibrary } from './features/scenes/sceneLibrary.js';
import sceneRoutes from './features/scenes/routes.js';
import { Deadlines } from './features/deadlines/deadlines.js';
import { Metrics } from './features/metrics/metrics.js';
import metricsRoutes from './features/metrics/routes.js';
import { processCounters } from './processGuard.js';
import { createHttp, newHttpCounters, registerDashboard } from './http/server.js';
import healthRoutes from './http/health.js';
import { Accounts } from './auth/accounts.js';
import { AuditLog } from './auth/audit.js';
import { AuthGate, installAuth } from './auth/http.js';
import authRoutes from './auth/routes.js';
import type { Feature, FeatureContext } from './features/feature.js';
import { Clock } from './clock.js';
import { Scheduler } from './features/schedule/scheduler.js';
import scheduleRoutes from './features/schedule/routes.js';

export const VERSION = '0.1.0';

export interface ControllerHandle {
  config: Config;
  log: Logger;
  db: Db;
  bus: EventBus;
  http: FastifyInstance;
  broker: Broker;
  registry: Registry;
  credentials: CredentialStore;
  accounts: Accounts;
  audit: AuditLog;
  gate: AuthGate;
  state: DeviceState;
  commands: Commands;
  presses: KioskPresses;
  telemetry: TelemetryStore;
  rejections: Rejections;
  realtime: Realtime;
  scenes: SceneLibrary;
  deadlines: Deadlines;
  metrics: Metrics;
  clock: Clock;
  scheduler: Scheduler;
  /** http://host:port of the API and dashboard. */
  httpUrl: string;
  /** mqtt://host:port of the broker. */
  mqttUrl: string;
  wsUrl: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** The controller's clock (the demo's `--at`/`--speed`, a test's set clock); default the wall clock. */
  clock?: Clock;
}

export async function startController(input: ConfigInput = {}, options: StartOptions = {}): Promise<ControllerHandle> {
  const config = resolveConfig(input);
  const log = options.logger ?? createLogger(config.log);
  const db = await openDb({ file: join(config.dataDir, 'caideng.sqlite'), log: log.child({ module: 'store' }) });
  const bus = new EventBus(log.child({ module: 'bus' }));
  const ctx: FeatureContext = { config, log, db, bus };

  const httpCounters = newHttpCounters();
  const http = createHttp(config.http, log, httpCounters);
  const registry = new Registry(ctx);
  const credentials = new CredentialStore(ctx, registry);
  const accounts = new Accounts(ctx, registry);
  const audit = new AuditLog(ctx);
  const gate = new AuthGate(accounts, credentials, config.auth, config.dataDir, db, log.child({ module: 'sessions' }));
  const broker = new Broker(config.mqtt, log.child({ module: 'broker' }), bus, credentials, registry);
  const state = new DeviceState(ctx, registry, broker);
  const telemetry = new TelemetryStore(ctx);
  const scenes = new SceneLibrary(ctx);
  const clock = options.clock ?? new Clock();
  const commands = new Commands(ctx, registry, broker, scenes, clock);
  const presses = new KioskPresses(ctx, broker);
  const requests = new Requests(ctx, broker, scenes, clock);
  const rejections = new Rejections(ctx);
  const realtime = new Realtime(ctx, http.server, registry, state, gate);
  // Features register their deadline handlers in start(); the deadlines start last, once the controller serves.
  const deadlines = new Deadlines(ctx, { now: () => clock.now(), delayUntil: (at) => clock.realDelayUntil(at) });
  const unwatchClock = clock.onJump(() => deadlines.wake());
  const scheduler = new Scheduler(ctx, { registry, state, commands, broker, deadlines, scenes, clock, tree: () => accounts.tree });
  const metrics = new Metrics(ctx, {
    summaries: () => state.summaries(),
    broker: () => ({ clients: broker.connectedClients, accepted: broker.counters.accepted, rejected: broker.counters.rejected, rateLimited: broker.counters.rateLimited }),
    commandStart: async (id) => {
      const c = await commands.get(id);
      return c ? ((c.command as { startAt?: number }).startAt ?? c.issuedAt) : null;
    },
  });

  // Start order matters: registry before credentials, listeners before the broker accepts devices.
  const features: Feature[] = [registry, credentials, accounts, audit, state, telemetry, scenes, commands, presses, requests, rejections, metrics, realtime];
  // The scheduler registers its deadline handler and the commands' guard; it resolves once the broker serves.
  features.push(scheduler);
  const started: Feature[] = [];
  let brokerStarted = false;
  const stopAll = async () => {
    // Deadline handlers act through the other features: no handler runs once they begin to stop.
    unwatchClock();
    await deadlines.stop().catch((err: unknown) => log.error({ err }, 'deadlines failed to stop'));
    // Live push first: open socket.io connections would otherwise hold the HTTP server open. The broker next:
    // its MQTT-over-WebSocket sessions hold the HTTP server open too, and once it is stopping devices are
    // marked offline without publishing (nothing can be delivered; the retained store ends with the process).
    await realtime.stop().catch((err: unknown) => log.error({ err }, 'realtime failed to stop'));
    if (brokerStarted) await broker.stop();
    await http.close().catch(() => undefined);
    for (const f of started.reverse()) {
      try {
        await f.stop();
      } catch (err) {
        log.error({ err }, 'feature failed to stop');
      }
    }
    await db.destroy();
  };
  // Each phase of the start, ms: a city's start must stay linear in its devices (registry, credentials, state restore).
  const phases: Record<string, number> = {};
  const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await work();
    } finally {
      phases[name] = Math.round(performance.now() - t0);
    }
  };
  try {
    for (const f of features) {
      await timed(f.name, () => f.start());
      started.push(f);
    }
    await http.register(installAuth, { gate, audit, secureCookies: config.http.trustProxy ? 'auto' : false });
    await http.register(authRoutes, { gate, audit, bus });
    await http.register(healthRoutes, {
      startedAt: Date.now(),
      version: VERSION,
      broker,
      rejections,
      metrics: () => ({
        commands: commands.counters,
        telemetry: { ...telemetry.counters, buffered: telemetry.buffered },
        kiosk: presses.counters,
        realtime: { ...realtime.counters, queued: realtime.queued },
        http: httpCounters,
        estimates: { ...scenes.estimates.counters, queued: scenes.estimates.queued, running: scenes.estimates.busy ? 1 : 0 },
        store: storeHealth(db).counters(),
        deadlines: deadlines.counters,
        audit: audit.counters,
        process: processCounters,
        start: { phasesMs: phases },
        admission: { ...broker.admission.counters, waiting: broker.admission.waiting },
        retained: { ...broker.retained.retainedCounters, messages: broker.retained.retainedCount },
        metrics: metrics.counters,
      }),
    });
    await http.register(countyRoutes, { registry, state });
    await http.register(commandRoutes, { commands });
    await http.register(sceneRoutes, { scenes, registry });
    await http.register(credentialRoutes, { credentials });
    await http.register(scheduleRoutes, { scheduler, registry, scenes, audit, tree: () => accounts.tree });
    await http.register(metricsRoutes, { metrics, registry, recentPresses: (limit, compound) => presses.recent(limit, compound) });
    await registerDashboard(http);
    await timed('broker', () => broker.start(http.server));
    brokerStarted = true;
    await timed('http', () => http.listen({ port: config.http.port, host: config.http.host }));
    await timed('deadlines', () => deadlines.start());
    scheduler.kickOff();
  } catch (err) {
    await stopAll();
    throw err;
  }

  const httpPort = (http.server.address() as AddressInfo).port;
  const localHost = (h: string) => (h === '0.0.0.0' || h === '::' ? '127.0.0.1' : h);
  const httpUrl = `http://${localHost(config.http.host)}:${httpPort}`;
  const mqttUrl = `mqtt://${localHost(config.mqtt.host)}:${broker.tcpPort}`;
  const wsUrl = `ws://${localHost(config.http.host)}:${httpPort}${config.mqtt.wsPath}`;
  credentials.endpoints = { url: mqttUrl, wsUrl, http: httpUrl };
  await timed('provisioning file', async () => credentials.writeProvisioningFile());
  log.info({ http: httpUrl, mqtt: mqttUrl, ws: wsUrl, devices: state.size, phasesMs: phases }, 'controller started');

  let stopping: Promise<void> | null = null;
  return {
    config,
    log,
    db,
    bus,
    http,
    broker,
    registry,
    credentials,
    accounts,
    audit,
    gate,
    state,
    commands,
    presses,
    telemetry,
    rejections,
    realtime,
    scenes,
    deadlines,
    metrics,
    clock,
    scheduler,
    httpUrl,
    mqttUrl,
    wsUrl,
    stop: () => (stopping ??= stopAll()),
  };
}
