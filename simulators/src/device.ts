/**
 * What every simulated device shares: one MQTT.js client authenticated with the device's own credentials,
 * availability with a last-will, the controller's `error` topic, request/response by tx, and the ways a
 * connection can end (graceful stop, kill without DISCONNECT, a dropped socket that reconnects). A dropped
 * connection comes back after a jittered exponential backoff, so a fleet whose broker restarted does not
 * knock on its door all at once, and keeps backing off while the broker is still down or busy.
 */
import { connect, ErrorWithReasonCode, type IClientOptions, type MqttClient } from 'mqtt';
import {
  CHANNELS,
  PROTOCOL_VERSION,
  decodePayload,
  encodePayload,
  topic,
  compoundAddress,
  type Channel,
  type CompoundChannel,
  type DeviceAddress,
  type DeviceError,
  type DeviceResponse,
  type TimeSyncData,
} from '@caideng/protocol';
import type { DeviceCredential } from './credentials.js';
import { TypedEmitter } from './events.js';
import { silentLogger, type Logger } from './log.js';
import type { RequestMethod, WirePayloads } from './wire.js';

/** Options shared by lantern groups and kiosks. */
export interface DeviceOptions {
  /** Broker URL, e.g. `mqtt://127.0.0.1:1883`. */
  url: string;
  /** MQTT keepalive in seconds. Default 30. */
  keepaliveS?: number;
  /**
   * First delay before reconnecting after the connection drops, ms; each failed attempt doubles it up to
   * reconnectMaxMs, and each delay is drawn from its upper half (jitter). 0: never reconnect. Default 1000.
   */
  reconnectPeriodMs?: number;
  /** Longest delay between two reconnect attempts, ms. Default 30000. */
  reconnectMaxMs?: number;
  /** Randomness of the backoff jitter, in [0, 1). Default Math.random. */
  random?: () => number;
  /** How long start() waits for the first connection before rejecting, ms. Default 30000. */
  connectTimeoutMs?: number;
  /** Default timeout of request(), ms. Default 5000. */
  requestTimeoutMs?: number;
  /** How long stop() waits for the broker to acknowledge `offline` before closing anyway, ms. Default 2000. */
  stopTimeoutMs?: number;
  /** Clock, epoch ms. Default Date.now. */
  now?: () => number;
  /** How many `now` milliseconds pass per real millisecond (a demo clock run faster); timers divide by it. Default 1. */
  speed?: number;
  /** time.sync samples kept; the offset is the one of the sample with the shortest round trip among them. Default 8. */
  timeSyncSamples?: number;
  log?: Logger;
}

export interface DeviceEvents {
  [event: string]: unknown[];
  /** Connected, subscribed and announced online (after every reconnect too). */
  connect: [];
  /** The connection closed (it may come back unless the device was stopped or killed). */
  close: [];
  /** The controller rejected one of this device's messages (its `error` topic). */
  deviceError: [DeviceError];
  /** A response to a request arrived. */
  response: [DeviceResponse];
  /** An MQTT client error (refused connection, socket error). */
  mqttError: [Error];
  /** A reconnect attempt is scheduled: the attempt's number since the last connection, and its delay. */
  reconnecting: [number, number];
  /** A listener threw; the device carries on. */
  listenerError: [unknown, string];
}

export interface DeviceCounters {
  /** Successful connections, reconnects included. */
  connects: number;
  /** Messages received on the `error` topic. */
  errorsReceived: number;
  requestsSent: number;
  responsesReceived: number;
  /** Payloads published through publishRaw (fault injection). */
  rawSent: number;
  /** Reconnect attempts scheduled (after a drop, and after each failed attempt). */
  reconnectAttempts: number;
}

export interface TimeSyncResult {
  /** Controller clock minus device clock, ms: offset = controllerTs - (deviceTs + rtt / 2). */
  offsetMs: number;
  rttMs: number;
  controllerTs: number;
}

/** A time.sync sample: how far the controller's clock is from ours, and how sure (the round trip bounds the error). */
interface ClockSample {
  offsetMs: number;
  rttMs: number;
}

export class RequestTimeoutError extends Error {
  override readonly name = 'RequestTimeoutError';
}

export class ResponseError extends Error {
  override readonly name = 'ResponseError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface PendingRequest {
  resolve: (res: DeviceResponse) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export type DeviceLifecycle = 'idle' | 'connecting' | 'connected' | 'disconnected' | 'stopped' | 'killed';

export abstract class SimulatedDevice<Events extends DeviceEvents> extends TypedEmitter<Events> {
  readonly username: string;
  readonly address: DeviceAddress;
  protected readonly url: string;
  protected readonly now: () => number;
  /** Clock milliseconds per real millisecond. */
  protected readonly speed: number;
  protected readonly log: Logger;
  protected client: MqttClient | null = null;
  readonly deviceCounters: DeviceCounters = { connects: 0, errorsReceived: 0, requestsSent: 0, responsesReceived: 0, rawSent: 0, reconnectAttempts: 0 };
  #lifecycle: DeviceLifecycle = 'idle';
  readonly #password: string;
  readonly #keepaliveS: number;
  readonly #reconnectPeriodMs: number;
  readonly #reconnectMaxMs: number;
  readonly #random: () => number;
  #reconnectTimer: NodeJS.Timeout | null = null;
  /** Attempts since the last successful connection. */
  #attempt = 0;
  readonly #connectTimeoutMs: number;
  readonly #requestTimeoutMs: number;
  readonly #stopTimeoutMs: number;
  readonly #pending = new Map<string, PendingRequest>();
  readonly #txPrefix: string;
  #txCounter = 0;
  /** topic → channel, for this device's subscriptions. */
  readonly #inbound = new Map<string, Channel>();
  /** topic → the other device and channel, for actsFor()'s subscriptions. */
  readonly #foreign = new Map<string, readonly [DeviceAddress, Channel]>();
  /** topic → channel, for the compound-level subscriptions. */
  readonly #compound = new Map<string, CompoundChannel>();
  /** Recent time.sync samples, oldest first. */
  readonly #clockSamples: ClockSample[] = [];
  readonly #clockSampleMax: number;
  #offsetMs = 0;

  constructor(credential: DeviceCredential, options: DeviceOptions) {
    super();
    this.username = credential.username;
    this.address = { compound: credential.compound, role: credential.role, device: credential.device };
    this.#password = credential.password;
    this.url = options.url;
    this.now = options.now ?? Date.now;
    this.speed = options.speed ?? 1;
    if (!(this.speed > 0)) throw new RangeError(`speed must be > 0, got ${this.speed}`);
    this.#clockSampleMax = Math.max(1, options.timeSyncSamples ?? 8);
    this.log = (options.log ?? silentLogger).child(this.username);
    this.#keepaliveS = options.keepaliveS ?? 30;
    this.#reconnectPeriodMs = options.reconnectPeriodMs ?? 1000;
    this.#reconnectMaxMs = Math.max(this.#reconnectPeriodMs, options.reconnectMaxMs ?? 30_000);
    this.#random = options.random ?? Math.random;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 30_000;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 5000;
    this.#stopTimeoutMs = options.stopTimeoutMs ?? 2000;
    // Unique across restarts of the simulator, so a controller never sees a reused tx from this device.
    this.#txPrefix = `${Date.now().toString(36)}-`;
  }

  /** Channels the device subscribes to, besides `res` and `error`. */
  protected abstract inboundChannels(): readonly Channel[];
  /** Called after each (re)connection, once subscribed and announced online. */
  protected abstract onConnected(): void;
  /**
   * Topics of other devices this one acts for (a bridge: its groups' `set`, its kiosks' `receipt`), subscribed
   * with its own before it announces online. Default none.
   */
  protected actsFor(): ReadonlyArray<readonly [DeviceAddress, Channel]> {
    return [];
  }
  /** A message on one of actsFor()'s topics. */
  protected onActsFor(_address: DeviceAddress, _channel: Channel, _payload: Buffer): void {}
  /** Channels of the compound-level address (`caideng/v1/{compound}/compound/-/…`) to subscribe to. Default none. */
  protected compoundChannels(): readonly CompoundChannel[] {
    return [];
  }
  /** A message on one of compoundChannels() (retained ones arrive right after each subscription). */
  protected onCompound(_channel: CompoundChannel, _payload: Buffer): void {}
  /** Called once subscribed, just before `online` is announced: what the controller must know first (the state). */
  protected beforeOnline(): void {}
  /** A message on one of inboundChannels(). */
  protected abstract onInbound(channel: Channel, payload: Buffer): void;

  get lifecycle(): DeviceLifecycle {
    return this.#lifecycle;
  }

  get connected(): boolean {
    return this.#lifecycle === 'connected' && this.client?.connected === true;
  }

  topic(channel: Channel): string {
    return topic(this.address, channel);
  }

  /** Connects and resolves once subscribed and online. Rejects if the broker refuses the credentials or on timeout. */
  start(): Promise<void> {
    if (this.client) return this.#lifecycle === 'connected' ? Promise.resolve() : this.#waitConnected();
    this.#lifecycle = 'connecting';
    // The will's ts is the connect time (a will is fixed at CONNECT); the controller stamps when it fires.
    const will = encodePayload('availability', { v: PROTOCOL_VERSION, state: 'offline', ts: this.now() });
    const options: IClientOptions = {
      clientId: this.username,
      username: this.username,
      password: this.#password,
      keepalive: this.#keepaliveS,
      clean: true,
      // MQTT.js retries at a fixed period; the backoff below schedules the attempts instead.
      reconnectPeriod: 0,
      connectTimeout: Math.min(this.#connectTimeoutMs, 30_000),
      // Subscriptions are renewed explicitly in #onConnect, before announcing online.
      resubscribe: false,
      will: { topic: this.topic('availability'), payload: will, qos: 1, retain: true },
    };
    const client = connect(this.url, options);
    this.client = client;
    const inbound = [...this.inboundChannels(), 'res', 'error'] as Channel[];
    this.#inbound.clear();
    for (const channel of inbound) this.#inbound.set(this.topic(channel), channel);
    this.#foreign.clear();
    for (const [address, channel] of this.actsFor()) this.#foreign.set(topic(address, channel), [address, channel]);
    this.#compound.clear();
    for (const channel of this.compoundChannels()) this.#compound.set(topic(compoundAddress(this.address.compound), channel), channel);

    client.on('connect', () => {
      // MQTT.js leaves Nagle's algorithm on; against the broker's delayed ACKs it adds ~40 ms to every
      // command → ack round trip. Real lantern controllers set TCP_NODELAY too.
      (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
      void this.#onConnect(client);
    });
    client.on('close', () => {
      if (this.client !== client) return;
      if (this.#lifecycle === 'connected') this.#lifecycle = 'disconnected';
      this.emit('close');
      this.#scheduleReconnect(client);
    });
    client.on('error', (err) => {
      this.log.warn('mqtt error', { err });
      this.emit('mqttError', err);
    });
    client.on('message', (t, payload) => this.#onMessage(t, payload));
    return this.#waitConnected();
  }

  #waitConnected(): Promise<void> {
    const client = this.client;
    if (!client) return Promise.reject(new Error(`${this.username}: not started`));
    return new Promise<void>((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(timer);
        this.off('connect', onConnect);
        this.off('mqttError', onError);
        if (err) reject(err);
        else resolve();
      };
      const onConnect = () => done();
      const onError = (err: Error) => {
        // A refused CONNACK (bad credentials) is final. Socket errors, and "server unavailable" (3), are retried.
        if (err instanceof ErrorWithReasonCode && err.code !== 3) {
          this.#lifecycle = 'stopped';
          this.client = null;
          client.end(true);
          done(new Error(`${this.username}: broker refused the connection: ${err.message}`));
        }
      };
      const timer = setTimeout(() => {
        done(new Error(`${this.username}: not connected to ${this.url} after ${this.#connectTimeoutMs} ms`));
      }, this.#connectTimeoutMs);
      this.on('connect', onConnect);
      this.on('mqttError', onError);
    });
  }

  /** After a close that was not a stop or a kill: the next attempt after the backoff's delay. */
  #scheduleReconnect(client: MqttClient): void {
    if (this.client !== client || this.#reconnectPeriodMs <= 0 || this.#reconnectTimer) return;
    if (this.#lifecycle === 'stopped' || this.#lifecycle === 'killed') return;
    const attempt = ++this.#attempt;
    const ceiling = Math.min(this.#reconnectMaxMs, this.#reconnectPeriodMs * 2 ** Math.min(attempt - 1, 30));
    const delay = Math.round(ceiling / 2 + (this.#random() * ceiling) / 2);
    this.deviceCounters.reconnectAttempts++;
    this.emit('reconnecting', attempt, delay);
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = null;
      if (this.client !== client) return;
      // The same stores: QoS 1 messages not yet acknowledged go out again on the new connection.
      client.reconnect({ incomingStore: client.incomingStore, outgoingStore: client.outgoingStore });
    }, delay);
  }

  #cancelReconnect(): void {
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = null;
  }

  async #onConnect(client: MqttClient): Promise<void> {
    if (this.client !== client) return;
    try {
      // Subscribe before announcing online: the controller may send a command the moment it sees us.
      await client.subscribeAsync([...this.#inbound.keys(), ...this.#foreign.keys(), ...this.#compound.keys()], { qos: 1 });
    } catch (err) {
      this.log.warn('subscribe failed', { err });
      this.emit('mqttError', err as Error);
      return;
    }
    if (this.client !== client || !client.connected) return;
    this.#lifecycle = 'connected';
    this.#attempt = 0;
    this.deviceCounters.connects++;
    this.beforeOnline();
    this.publish('availability', { v: PROTOCOL_VERSION, state: 'online', ts: this.now() });
    this.onConnected();
    this.log.debug('connected');
    this.emit('connect');
  }

  #onMessage(t: string, payload: Buffer): void {
    const channel = this.#inbound.get(t);
    if (channel === 'res') this.#onResponse(payload);
    else if (channel === 'error') this.#onDeviceError(payload);
    else if (channel) this.onInbound(channel, payload);
    else {
      const foreign = this.#foreign.get(t);
      if (foreign) this.onActsFor(foreign[0], foreign[1], payload);
      else {
        const compound = this.#compound.get(t);
        if (compound) this.onCompound(compound, payload);
      }
    }
  }

  #onResponse(payload: Buffer): void {
    const decoded = decodePayload('res', payload);
    if (!decoded.ok) {
      this.log.warn('invalid response', { reason: decoded.reason });
      return;
    }
    const res = decoded.value;
    this.deviceCounters.responsesReceived++;
    const pending = this.#pending.get(res.tx);
    if (pending) {
      this.#pending.delete(res.tx);
      clearTimeout(pending.timer);
      pending.resolve(res);
    }
    this.emit('response', res);
  }

  #onDeviceError(payload: Buffer): void {
    const decoded = decodePayload('error', payload);
    this.deviceCounters.errorsReceived++;
    if (!decoded.ok) {
      this.log.warn('invalid error message from the controller', { reason: decoded.reason });
      return;
    }
    this.log.debug('controller rejected a message', { code: decoded.value.code, reason: decoded.value.reason });
    this.emit('deviceError', decoded.value);
  }

  /** Publishes a checked payload with the channel's QoS and retain flag from the contract. */
  protected publish<C extends Channel>(channel: C, value: WirePayloads[C]): void {
    const client = this.client;
    if (!client) return;
    const spec = CHANNELS[channel];
    const payload = encodePayload(channel, value);
    client.publish(this.topic(channel), payload, { qos: spec.qos, retain: spec.retained }, (err) => {
      if (err) this.log.debug('publish failed', { channel, err });
    });
  }

  /** Publishes a checked payload on another device's topic, for a device that acts for it (a bridge). */
  protected publishFor<C extends Channel>(address: DeviceAddress, channel: C, value: WirePayloads[C], done?: (err?: Error) => void): void {
    const client = this.client;
    if (!client) return;
    const spec = CHANNELS[channel];
    client.publish(topic(address, channel), encodePayload(channel, value), { qos: spec.qos, retain: spec.retained }, (err) => {
      if (err) this.log.debug('publish failed', { channel, err });
      done?.(err);
    });
  }

  /** Publishes anything on any topic with this device's connection: fault injection only. */
  publishRaw(t: string, payload: string | Buffer, options: { qos?: 0 | 1; retain?: boolean } = {}): Promise<void> {
    const client = this.client;
    if (!client || !this.connected) return Promise.reject(new Error(`${this.username}: not connected`));
    this.deviceCounters.rawSent++;
    return new Promise((resolve, reject) => {
      client.publish(t, payload, { qos: options.qos ?? 0, retain: options.retain ?? false }, (err) => (err ? reject(err) : resolve()));
    });
  }

  /** A fresh transaction id. */
  nextTx(): string {
    return `${this.#txPrefix}${(this.#txCounter++).toString(36)}`;
  }

  /** Sends a request on `req` and resolves with the controller's `res` for the same tx. */
  request(method: RequestMethod, params?: Record<string, unknown>, timeoutMs = this.#requestTimeoutMs): Promise<DeviceResponse> {
    if (!this.connected) return Promise.reject(new Error(`${this.username}: not connected`));
    const tx = this.nextTx();
    return new Promise<DeviceResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(tx);
        reject(new RequestTimeoutError(`${this.username}: no response to ${method} (tx ${tx}) within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(tx, { resolve, reject, timer });
      this.deviceCounters.requestsSent++;
      this.publish('req', { v: PROTOCOL_VERSION, tx, ts: this.now(), method, ...(params ? { params } : {}) });
    });
  }

  /** Asks the controller for its clock and computes this device's offset from it. */
  async timeSync(timeoutMs?: number): Promise<TimeSyncResult> {
    const sent = this.now();
    const res = await this.request('time.sync', undefined, timeoutMs);
    const received = this.now();
    if (res.status !== 'ok') throw new ResponseError(res.code, `${this.username}: time.sync failed: ${res.code}: ${res.error}`);
    const data = res.data as Partial<TimeSyncData>;
    if (typeof data.controllerTs !== 'number') throw new ResponseError('CAIDENG_MQTT_BAD_PAYLOAD', `${this.username}: time.sync response has no controllerTs`);
    const rttMs = received - sent;
    return { offsetMs: data.controllerTs - (sent + rttMs / 2), rttMs, controllerTs: data.controllerTs };
  }

  /**
   * Measures the offset to the controller's clock once more (NTP-style) and keeps, of the last samples, the one
   * with the shortest round trip: its error is at most half that round trip. Resolves with the offset in use.
   */
  async syncClock(timeoutMs?: number): Promise<number> {
    const { offsetMs, rttMs } = await this.timeSync(timeoutMs);
    this.#clockSamples.push({ offsetMs, rttMs });
    if (this.#clockSamples.length > this.#clockSampleMax) this.#clockSamples.shift();
    let best = this.#clockSamples[0]!;
    for (const sample of this.#clockSamples) if (sample.rttMs < best.rttMs) best = sample;
    this.#offsetMs = best.offsetMs;
    return this.#offsetMs;
  }

  /** Controller clock minus this device's, ms, as the best time.sync sample says (0 before the first). */
  get clockOffsetMs(): number {
    return this.#offsetMs;
  }

  /** The round trip of the sample the offset comes from, ms (null before the first). */
  get clockRttMs(): number | null {
    let best: ClockSample | null = null;
    for (const sample of this.#clockSamples) if (!best || sample.rttMs < best.rttMs) best = sample;
    return best?.rttMs ?? null;
  }

  /** The controller's time now, epoch ms, by this device's clock and its measured offset. */
  controllerNow(): number {
    return Math.round(this.now() + this.#offsetMs);
  }

  /** Real milliseconds until `at` on the controller's clock (negative: past). */
  protected realDelayUntil(at: number): number {
    return (at - this.controllerNow()) / this.speed;
  }

  /** Graceful stop: publishes offline, sends DISCONNECT (so the broker discards the will), ends the client. */
  async stop(): Promise<void> {
    const client = this.client;
    this.#cancelReconnect();
    this.#rejectPending('stopped');
    this.onStopping();
    if (!client) {
      this.#lifecycle = 'stopped';
      return;
    }
    const wasConnected = this.connected;
    this.#lifecycle = 'stopped';
    this.client = null;
    if (wasConnected) {
      const offline = encodePayload('availability', { v: PROTOCOL_VERSION, state: 'offline', ts: this.now() });
      // A broker that stopped answering must not hold up a shutdown: wait for the PUBACK at most stopTimeoutMs.
      let timer: NodeJS.Timeout | undefined;
      const acked = await Promise.race([
        client.publishAsync(this.topic('availability'), offline, { qos: 1, retain: true }).then(
          () => true,
          () => false,
        ),
        new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), this.#stopTimeoutMs))),
      ]);
      clearTimeout(timer);
      if (acked) await client.endAsync();
      else await client.endAsync(true);
    } else {
      await client.endAsync(true);
    }
  }

  /**
   * Kills the device: destroys the socket without DISCONNECT, so the broker publishes the last-will. It stays
   * down until start() is called again.
   */
  kill(): void {
    const client = this.client;
    this.#cancelReconnect();
    this.#rejectPending('killed');
    this.onStopping();
    this.#lifecycle = 'killed';
    this.client = null;
    // end(true) destroys the stream without a DISCONNECT packet and stops MQTT.js from reconnecting.
    client?.end(true);
  }

  /** Drops the socket without DISCONNECT (the will fires); the device reconnects after its backoff. */
  interrupt(): void {
    if (!this.client) return;
    this.client.stream.destroy();
  }

  /** Hook for subclasses: release timers and tickers on stop or kill. */
  protected onStopping(): void {}

  #rejectPending(why: string): void {
    for (const [tx, pending] of this.#pending) {
      clearTimeout(pending.timer);
      pending.reject(new Error(`${this.username}: ${why} before the response to tx ${tx}`));
    }
    this.#pending.clear();
  }
}
