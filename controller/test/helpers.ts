/** Test helpers: a real controller on random free ports with its own data directory, and real MQTT clients. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt, { type MqttClient, type IClientOptions } from 'mqtt';
import { pino } from 'pino';
import type { DeviceStatus } from '@caideng/protocol';
import { startController, readProvisioning, type ControllerHandle, type ConfigInput, type StartOptions } from '@caideng/controller';

export const SMALL_COUNTY = fileURLToPath(new URL('./fixtures/small-county.json', import.meta.url));
export const DEMO_COUNTY = fileURLToPath(new URL('../config/rong-county.json', import.meta.url));

export interface TestController extends ControllerHandle {
  dataDir: string;
  password(username: string): string;
  operatorToken(): string;
  /** Stops the controller and removes its data directory. */
  dispose(): Promise<void>;
}

export function tempDir(prefix = 'caideng-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function startTestController(overrides: ConfigInput = {}, dataDir = tempDir(), options: Omit<StartOptions, 'logger'> = {}): Promise<TestController> {
  const ctl = await startController(
    {
      dataDir,
      registryFile: SMALL_COUNTY,
      ...overrides,
      http: { host: '127.0.0.1', port: 0, ...overrides.http },
      mqtt: { host: '127.0.0.1', port: 0, ...overrides.mqtt },
      log: { level: 'silent', ...overrides.log },
    },
    { logger: pino({ level: 'silent' }), ...options },
  );
  const file = () => {
    const f = readProvisioning(dataDir);
    if (!f) throw new Error('no provisioning file');
    return f;
  };
  return Object.assign(ctl, {
    dataDir,
    password(username: string) {
      const d = file().devices.find((x) => x.username === username);
      if (!d) throw new Error(`no credential for ${username}`);
      return d.password;
    },
    operatorToken() {
      const t = file().operator?.token;
      if (!t) throw new Error('no operator token');
      return t;
    },
    async dispose() {
      await ctl.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
}

export function operatorTokenOf(dataDir: string): string {
  const t = readProvisioning(dataDir)?.operator?.token;
  if (!t) throw new Error('no operator token');
  return t;
}

/**
 * `fetch` against the controller as an admin (the operator token), unless the call brings its own
 * `authorization` header. For tests about something other than who may do what.
 */
export function apiFetch(ctl: ControllerHandle, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has('authorization')) headers.set('authorization', `Bearer ${operatorTokenOf(ctl.config.dataDir)}`);
  return fetch(`${ctl.httpUrl}${path}`, { ...init, headers });
}

/** Connects a device with its real credentials; resolves on CONNACK, rejects on refusal. */
export function connectDevice(ctl: TestController, username: string, options: IClientOptions = {}, url = ctl.mqttUrl): Promise<MqttClient> {
  return connect(url, { username, password: ctl.password(username), clientId: username, ...options });
}

export function connect(url: string, options: IClientOptions): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, protocolVersion: 4, ...options });
    client.once('connect', () => {
      client.off('error', onError);
      resolve(client);
    });
    const onError = (err: Error) => {
      client.end(true);
      reject(err);
    };
    client.once('error', onError);
  });
}

export function subscribe(client: MqttClient, filter: string, qos: 0 | 1 = 1): Promise<number> {
  return new Promise((resolve, reject) =>
    client.subscribe(filter, { qos }, (err, granted) => {
      // MQTT.js reports a refused filter (SUBACK 0x80) as an error carrying the packet.
      if (err && (err as Error & { packet?: { granted?: number[] } }).packet?.granted?.[0] === 128) return resolve(128);
      if (err) return reject(err);
      resolve(granted?.[0]?.qos ?? -1);
    }),
  );
}

export function publish(client: MqttClient, topic: string, payload: string | Buffer | object, opts: { qos?: 0 | 1; retain?: boolean } = {}): Promise<void> {
  const body = typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload);
  return new Promise((resolve, reject) =>
    client.publish(topic, body, { qos: opts.qos ?? 1, retain: opts.retain ?? false }, (err) => (err ? reject(err) : resolve())),
  );
}

/** Resolves with the first message on a topic matching `predicate`, or rejects after `timeoutMs`. */
export function nextMessage<T = unknown>(
  client: MqttClient,
  topic: string,
  predicate: (payload: T) => boolean = () => true,
  timeoutMs = 5000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('message', onMessage);
      reject(new Error(`no message on ${topic} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (t: string, payload: Buffer) => {
      if (t !== topic) return;
      let value: T;
      try {
        value = JSON.parse(payload.toString()) as T;
      } catch {
        return;
      }
      if (!predicate(value)) return;
      clearTimeout(timer);
      client.off('message', onMessage);
      resolve(value);
    };
    client.on('message', onMessage);
  });
}

/** Resolves when the controller's view of a device satisfies `predicate` (event-driven, no polling). */
export function waitForDevice(
  ctl: ControllerHandle,
  key: string,
  predicate: (s: DeviceStatus) => boolean,
  timeoutMs = 5000,
): Promise<DeviceStatus> {
  return new Promise((resolve, reject) => {
    const now = ctl.state.get(key);
    if (now && predicate(now)) return resolve({ ...now });
    const timer = setTimeout(() => {
      off();
      reject(new Error(`device ${key} did not reach the expected state within ${timeoutMs} ms: ${JSON.stringify(ctl.state.get(key))}`));
    }, timeoutMs);
    const owner = {};
    const off = () => ctl.bus.removeOwner(owner);
    ctl.bus.on('state.changed', owner, ({ status: s }) => {
      if (`${s.compound}/${s.kind}/${s.id}` !== key || !predicate(s)) return;
      clearTimeout(timer);
      off();
      resolve({ ...s });
    });
  });
}

export function endClient(client: MqttClient | undefined, force = false): Promise<void> {
  if (!client) return Promise.resolve();
  return new Promise((resolve) => client.end(force, {}, () => resolve()));
}
