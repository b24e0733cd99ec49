/**
 * A compound's gateway (bridge) carrying its lantern groups on one MQTT connection, as firmware-bridge does:
 * it subscribes to its groups' `set`, answers each command on the group's `ack` and publishes the group's
 * `state`, availability and telemetry. For the benchmark's city topology (`--via-bridges`): 40,000 groups
 * behind 2,000 connections, where one connection per group would need more sockets than one process may open.
 * Reconnects with the same jittered exponential backoff as every simulated device.
 */
import { connect, type MqttClient } from 'mqtt';
import { CHANNELS, PROTOCOL_VERSION, channelFilter, decodePayload, encodePayload, topic, type Channel, type DeviceAddress } from '@caideng/protocol';
import type { DeviceCredential, GroupCredential } from '../credentials.js';
import type { WirePayloads } from '../wire.js';

export class BridgedCompound {
  private client: MqttClient | null = null;
  private attempt = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly addresses: DeviceAddress[];
  private readonly byDevice = new Map<string, DeviceAddress>();
  private readonly brightness = new Map<string, number>();
  private uptime = 0;
  reconnectAttempts = 0;
  connected = false;

  constructor(
    private readonly bridge: DeviceCredential,
    readonly groups: readonly GroupCredential[],
    private readonly url: string,
    private readonly backoff: { baseMs: number; maxMs: number },
  ) {
    this.addresses = groups.map((g) => ({ compound: g.compound, role: 'group', device: g.device }));
    for (const a of this.addresses) this.byDevice.set(a.device, a);
  }

  /** Connects, subscribes and announces every group online; resolves at the first success. */
  start(): Promise<void> {
    const client = connect(this.url, {
      clientId: this.bridge.username,
      username: this.bridge.username,
      password: this.bridge.password,
      keepalive: 120,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: 30_000,
      resubscribe: false,
      will: {
        topic: topic({ compound: this.bridge.compound, role: 'bridge', device: this.bridge.device }, 'availability'),
        payload: encodePayload('availability', { v: PROTOCOL_VERSION, state: 'offline', ts: Date.now() }),
        qos: 1,
        retain: true,
      },
    });
    this.client = client;
    client.on('message', (t, payload) => this.onMessage(t, payload));
    client.on('error', () => undefined);
    return new Promise<void>((resolve) => {
      client.on('connect', () => {
        (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
        void this.onConnect(client).then(resolve);
      });
      client.on('close', () => {
        this.connected = false;
        this.scheduleReconnect(client);
      });
    });
  }

  private async onConnect(client: MqttClient): Promise<void> {
    await client.subscribeAsync(channelFilter(this.bridge.compound, 'group', 'set'), { qos: 1 });
    const ts = Date.now();
    this.send({ compound: this.bridge.compound, role: 'bridge', device: this.bridge.device }, 'availability', { v: PROTOCOL_VERSION, state: 'online', ts });
    for (const a of this.addresses) {
      this.send(a, 'availability', { v: PROTOCOL_VERSION, state: 'online', ts });
      this.send(a, 'state', { v: PROTOCOL_VERSION, ts, power: 'on', brightness: this.brightness.get(a.device) ?? 128, scene: null });
    }
    this.attempt = 0;
    this.connected = true;
  }

  private scheduleReconnect(client: MqttClient): void {
    if (this.stopped || this.client !== client || this.timer || this.backoff.baseMs <= 0) return;
    const attempt = ++this.attempt;
    const ceiling = Math.min(this.backoff.maxMs, this.backoff.baseMs * 2 ** Math.min(attempt - 1, 30));
    this.reconnectAttempts++;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.stopped && this.client === client) client.reconnect();
    }, Math.round(ceiling / 2 + (Math.random() * ceiling) / 2));
  }

  private onMessage(t: string, payload: Buffer): void {
    const device = t.split('/')[4];
    const address = device ? this.byDevice.get(device) : undefined;
    if (!address) return;
    const decoded = decodePayload('set', payload);
    if (!decoded.ok) return;
    const cmd = decoded.value;
    const ts = Date.now();
    const expired = cmd.expiresAt !== undefined && cmd.expiresAt < ts;
    // The ack first: the controller waits for it, not for the state.
    this.send(address, 'ack', { v: PROTOCOL_VERSION, tx: cmd.tx, ts, status: expired ? 'expired' : 'ok' });
    if (expired) return;
    if (cmd.brightness !== undefined) this.brightness.set(address.device, cmd.brightness);
    this.send(address, 'state', { v: PROTOCOL_VERSION, ts, power: cmd.power ?? 'on', brightness: this.brightness.get(address.device) ?? 128, scene: null, tx: cmd.tx });
  }

  private send<C extends Channel>(address: DeviceAddress, channel: C, value: WirePayloads[C]): void {
    const spec = CHANNELS[channel];
    this.client?.publish(topic(address, channel), encodePayload(channel, value), { qos: spec.qos, retain: spec.retained }, () => undefined);
  }

  /** One telemetry reading of group `i` (QoS 0, as a group sends it). */
  publishTelemetry(i: number): void {
    this.send(this.addresses[i]!, 'telemetry', { v: PROTOCOL_VERSION, ts: Date.now(), watts: 40 + (i % 60), faults: [], uptimeS: ++this.uptime });
  }

  /** A QoS 1 telemetry reading of group `i`, resolved at its PUBACK (maximum ingest). */
  publishAcked(i: number, j: number): Promise<void> {
    const client = this.client;
    if (!client || !this.connected) return Promise.reject(new Error(`${this.bridge.username}: not connected`));
    const payload = JSON.stringify({ v: PROTOCOL_VERSION, ts: Date.now(), watts: 50 + (j % 50), faults: [], uptimeS: j });
    return client.publishAsync(topic(this.addresses[i]!, 'telemetry'), payload, { qos: 1 }).then(() => undefined);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const client = this.client;
    this.client = null;
    this.connected = false;
    if (client) await client.endAsync(true).catch(() => undefined);
  }
}
