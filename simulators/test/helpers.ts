/**
 * Test fixtures: a real aedes broker on a real TCP socket with password authentication, a credentials file
 * for it, and a real MQTT.js client playing the controller.
 */
import net from 'node:net';
import { Aedes } from 'aedes';
import { connectAsync, type MqttClient } from 'mqtt';
import type { CredentialsFile, DeviceCredential, EventMap, Fixture, TypedEmitter } from '@caideng/simulators';

export const CONTROLLER = { username: 'controller', password: 'controller-secret' };

export interface TestBroker {
  url: string;
  broker: Aedes;
  /** Usernames the broker refused. */
  refused: string[];
  close(): Promise<void>;
}

/** `port`: listen there (a broker restarted on the same address); 0 = any free port. */
export async function startBroker(devices: readonly DeviceCredential[], port = 0): Promise<TestBroker> {
  const secrets = new Map<string, string>([[CONTROLLER.username, CONTROLLER.password]]);
  for (const d of devices) secrets.set(d.username, d.password);
  const refused: string[] = [];
  const broker = await Aedes.createBroker({
    authenticate: (client, username, password, done) => {
      // Devices must use their username as client id (as the controller's broker requires); the controller need not.
      const ok = username !== undefined && secrets.get(username) === password?.toString() && (username === CONTROLLER.username || client.id === username);
      if (ok) return done(null, true);
      refused.push(String(username));
      const err = Object.assign(new Error('bad username or password'), { returnCode: 4 as const });
      done(err, false);
    },
  });
  // noDelay: without it Nagle's algorithm adds ~40 ms to every request/response round trip.
  const server = net.createServer({ noDelay: true }, broker.handle);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.address() as net.AddressInfo).port;
  return {
    url: `mqtt://127.0.0.1:${bound}`,
    broker,
    refused,
    close: async () => {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface FleetSpec {
  compounds: string[];
  groups: number;
  kiosks: number;
  fixture?: Fixture;
  ratedWatts?: number;
}

export function makeCredentials(spec: FleetSpec, url = 'mqtt://127.0.0.1:1883'): CredentialsFile {
  const devices: DeviceCredential[] = [];
  for (const compound of spec.compounds) {
    for (let i = 1; i <= spec.groups; i++) {
      const device = `g${String(i).padStart(2, '0')}`;
      devices.push({
        username: `${compound}/group/${device}`,
        password: `secret-${compound}-${device}`,
        compound,
        role: 'group',
        device,
        fixture: spec.fixture ?? 'dimmer',
        channels: 1,
        ratedWatts: spec.ratedWatts ?? 120,
      });
    }
    for (let i = 1; i <= spec.kiosks; i++) {
      const device = `k${i}`;
      devices.push({ username: `${compound}/kiosk/${device}`, password: `secret-${compound}-${device}`, compound, role: 'kiosk', device });
    }
  }
  return { version: 1, mqtt: { url }, devices };
}

export interface Received {
  topic: string;
  payload: Buffer;
  retain: boolean;
  json: unknown;
}

/** A controller-side client that records everything it receives and lets a test await a message. */
export class Inbox {
  readonly messages: Received[] = [];
  readonly #waiters = new Set<{ match: (m: Received) => boolean; resolve: (m: Received) => void }>();

  constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload, packet) => {
      let json: unknown;
      try {
        json = JSON.parse(payload.toString('utf8'));
      } catch {
        json = undefined;
      }
      const m: Received = { topic, payload, retain: packet.retain, json };
      this.messages.push(m);
      for (const w of this.#waiters) {
        if (w.match(m)) {
          this.#waiters.delete(w);
          w.resolve(m);
        }
      }
    });
  }

  static async connect(url: string, subscribe: string | string[], clientId = `controller-${Math.random().toString(36).slice(2)}`): Promise<Inbox> {
    const client = await connectAsync(url, { clientId, username: CONTROLLER.username, password: CONTROLLER.password, reconnectPeriod: 0 });
    const inbox = new Inbox(client);
    await client.subscribeAsync(subscribe, { qos: 1 });
    return inbox;
  }

  on(topic: string): Received[] {
    return this.messages.filter((m) => m.topic === topic);
  }

  /** The first message (already received or still to come) that matches. */
  waitFor(match: (m: Received) => boolean, timeoutMs = 3000, what = 'message'): Promise<Received> {
    const found = this.messages.find(match);
    if (found) return Promise.resolve(found);
    return new Promise<Received>((resolve, reject) => {
      const waiter = {
        match,
        resolve: (m: Received) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  /** A message on `topic` that arrives after this call. */
  next(topic: string, match: (m: Received) => boolean = () => true, timeoutMs = 3000): Promise<Received> {
    const after = this.messages.length;
    return this.waitFor((m) => m.topic === topic && this.messages.indexOf(m) >= after && match(m), timeoutMs, `a message on ${topic}`);
  }

  async publish(topic: string, value: unknown, qos: 0 | 1 = 1): Promise<void> {
    await this.client.publishAsync(topic, typeof value === 'string' ? value : JSON.stringify(value), { qos });
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}

/** Resolves with the arguments of the next `event` of a simulator that satisfy `match`, or rejects after timeoutMs. */
export function nextEvent<Ev extends EventMap, E extends keyof Ev & string>(
  emitter: TypedEmitter<Ev>,
  event: E,
  match: (...args: Ev[E]) => boolean = () => true,
  timeoutMs = 3000,
): Promise<Ev[E]> {
  return new Promise<Ev[E]>((resolve, reject) => {
    const listener = (...args: Ev[E]) => {
      if (!match(...args)) return;
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(args);
    };
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for '${event}'`));
    }, timeoutMs);
    emitter.on(event, listener);
  });
}
