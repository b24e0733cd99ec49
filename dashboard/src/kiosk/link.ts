/**
 * The kiosk page's uplink: MQTT over WebSocket on the controller's HTTP port, with the kiosk's own
 * credentials, speaking the same topics as a hardware kiosk (`event` out; `receipt`, `status`, `error` in;
 * retained `availability` with a last-will). MQTT.js is loaded after the buttons are on screen, so the
 * first paint does not wait for it. Every connect re-sends whatever the outbox still holds.
 */
import type { MqttClient } from 'mqtt';
import type { KioskStatus } from '../data/feedbackTypes';
import type { KioskCredentials, QueuedPress } from './outbox';

/** `caideng/v1` (protocol/src/version.ts); the page bundles no protocol code, only its types. */
const TOPIC_BASE = 'caideng/v1';

export type LinkState = 'connecting' | 'online' | 'offline' | 'refused';

export interface Receipt {
  seq: number;
  boot?: string;
  status: 'stored' | 'duplicate';
}

export interface LinkHandlers {
  state(state: LinkState, detail?: string): void;
  receipt(receipt: Receipt): void;
  status(status: KioskStatus): void;
  /** The controller rejected something this kiosk sent (its `error` topic). */
  rejected(code: string, message: string): void;
  /** The presses to (re-)send on every connect, oldest first. */
  pending(): readonly QueuedPress[];
}

export interface KioskLink {
  send(press: QueuedPress): void;
  close(): void;
}

/** Where the broker listens for this page: the page's own host, at the path the controller named. */
export function brokerUrl(wsUrl: string, page: Location = location): string {
  let path = '/mqtt';
  try {
    if (wsUrl) path = new URL(wsUrl, page.href).pathname || path;
  } catch {
    // A malformed wsUrl: the controller's default path.
  }
  return `${page.protocol === 'https:' ? 'wss' : 'ws'}://${page.host}${path}`;
}

type MqttModule = typeof import('mqtt');

export async function openLink(creds: KioskCredentials, on: LinkHandlers): Promise<KioskLink> {
  const mod = (await import('mqtt')) as MqttModule & { default?: MqttModule };
  const connect = mod.connect ?? mod.default!.connect;
  const base = `${TOPIC_BASE}/${creds.compound}/kiosk/${creds.kiosk}`;
  const availability = (state: 'online' | 'offline') => JSON.stringify({ v: 1, state, ts: Date.now() });
  on.state('connecting');
  const client: MqttClient = connect(brokerUrl(creds.wsUrl), {
    clientId: creds.username,
    username: creds.username,
    password: creds.password,
    clean: true,
    keepalive: 30,
    reconnectPeriod: 2000,
    connectTimeout: 10_000,
    resubscribe: true,
    will: { topic: `${base}/availability`, payload: availability('offline'), qos: 1, retain: true },
  });
  const publishPress = (p: QueuedPress) => {
    client.publish(`${base}/event`, JSON.stringify(p), { qos: 1 }, () => undefined);
  };
  client.on('connect', () => {
    client.subscribe([`${base}/receipt`, `${base}/status`, `${base}/error`], { qos: 1 }, (err) => {
      if (err) return;
      client.publish(`${base}/availability`, availability('online'), { qos: 1, retain: true });
      on.state('online');
      for (const p of on.pending()) publishPress(p);
    });
  });
  client.on('close', () => on.state('offline'));
  client.on('offline', () => on.state('offline'));
  client.on('error', (err) => {
    // A refused CONNACK (bad credentials, 4/5; MQTT 3.1.1 §3.2.2.3) will not get better by retrying.
    const code = (err as { code?: number }).code;
    if (code === 4 || code === 5 || code === 134 || code === 135) {
      on.state('refused', err.message);
      client.end(true);
    }
  });
  client.on('message', (topic, payload) => {
    let body: unknown;
    try {
      body = JSON.parse(new TextDecoder().decode(payload));
    } catch {
      return;
    }
    if (typeof body !== 'object' || body === null) return;
    if (topic === `${base}/receipt`) {
      const r = body as Receipt;
      if (Number.isInteger(r.seq) && (r.status === 'stored' || r.status === 'duplicate')) on.receipt(r);
    } else if (topic === `${base}/status`) {
      const s = body as KioskStatus;
      if (Array.isArray(s.tickets)) on.status(s);
    } else if (topic === `${base}/error`) {
      const e = body as { code?: string; reason?: string };
      on.rejected(String(e.code ?? ''), String(e.reason ?? ''));
    }
  });
  return {
    send(p) {
      if (client.connected) publishPress(p);
    },
    close() {
      if (client.connected) client.publish(`${base}/availability`, availability('offline'), { qos: 1, retain: true });
      client.end();
    },
  };
}
