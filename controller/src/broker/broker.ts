/**
 * The embedded MQTT broker (aedes) with its transports: TCP, WebSocket on the HTTP port, optional TLS.
 * It authenticates devices, enforces the topic ACL, validates every payload before the broker routes
 * or retains it, and turns accepted messages into bus events. It bounds what one connection can cost:
 * packet size before parsing, sessions per device, no persistent sessions, rates of req/event messages,
 * failed CONNECTs per source address, and rejections per client.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { Aedes, type AuthenticateError, type Client, type ConnectPacket, type PublishPacket } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';
import {
  CHANNELS,
  PROTOCOL_VERSION,
  compoundAddress,
  encodePayload,
  parseDeviceUsername,
  topic as buildTopic,
  type Address,
  type Channel,
  type ChannelPayloads,
  type CompoundChannel,
  type DeviceAddress,
  type ErrorCode,
} from '@caideng/protocol';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { EventBus } from '../bus/eventBus.js';
import type { BusPublisher, DeviceAuthenticator, DeviceDirectory } from './ports.js';
import type { Identity } from './identity.js';
import { subscribeDenied } from './acl.js';
import { checkIncoming, type IngestOptions } from './ingest.js';
import { guardPackets } from './packetGuard.js';
import { FailureLimiter, TokenBuckets } from './limits.js';
import { Sessions } from './sessions.js';
import { IndexedRetainedPersistence } from './retainedStore.js';
import { ConnectAdmission } from './admission.js';

/** Rejected publishes are acknowledged and rerouted here, where no one can subscribe (MQTT-3.3.5-2 allows a
 *  positive ack for an unauthorized PUBLISH). The device keeps its connection and is told why on its error topic. */
const QUARANTINE_TOPIC = '$caideng/rejected';
const EMPTY = Buffer.alloc(0);
/** Room in a packet beside its payload: fixed header, topic, packet id; or a CONNECT's ids and credentials. */
export const PACKET_OVERHEAD_BYTES = 4096;
/** Longest wait at stop for the controller's own publishes in flight. */
const STOP_DRAIN_MS = 2000;
/** The will aedes keeps for a client: the CONNECT's will, by reference (it passes the same object to authorizePublish). */
type Will = NonNullable<ConnectPacket['will']>;
/** A CONNECT waiting for its turn (ConnectAdmission). */
interface PendingConnect {
  client: Client;
  done: (err: Error | null, ok: boolean) => void;
}

/**
 * The decoded payload of an accepted publish travels on the payload buffer itself, which aedes passes
 * unchanged from authorizePublish to the 'publish' event. A symbol property dies with the buffer; a
 * WeakMap would do the same but costs the garbage collector an ephemeron per message.
 */
const DECODED = Symbol('caideng.decoded');
interface Decoded {
  address: DeviceAddress;
  channel: Channel;
  payload: unknown;
}
type TaggedBuffer = Buffer & { [DECODED]?: Decoded };

export interface BrokerCounters {
  accepted: number;
  rejected: number;
  rejectedByCode: Partial<Record<ErrorCode, number>>;
  authFailures: number;
  connects: number;
  /** Connections closed because a packet declared more than the packet limit (checked before parsing). */
  oversizedPackets: number;
  /** CONNECTs refused because the device had `maxSessionsPerDevice` sessions already. */
  sessionLimitRefusals: number;
  /** CONNECTs refused for asking for a persistent session (`clean: false`). */
  persistentSessionRefusals: number;
  /** `req` and `event` messages over the device's rate (also counted in rejectedByCode). */
  rateLimited: number;
  /** Source addresses blocked after too many failed CONNECTs. */
  addressBlocks: number;
  /** Connections refused at once because their source address was blocked. */
  blockedConnections: number;
  /** Clients disconnected for too many rejected publishes and subscriptions. */
  floodDisconnects: number;
}

export class Broker implements BusPublisher {
  aedes!: Aedes;
  private tcp: net.Server | null = null;
  private tlsServer: tls.Server | null = null;
  private wss: WebSocketServer | null = null;
  private httpServer: HttpServer | null = null;
  /** Retained messages indexed by topic level (docs/upstream-aedes-retained-index.md). */
  readonly retained = new IndexedRetainedPersistence();
  private readonly identities = new WeakMap<Client, Identity>();
  /** Live sessions per device: it is offline only when the last one ends (a takeover or a second session is not its end). */
  private readonly sessions = new Sessions<Client>();
  private readonly sourceAddress = new WeakMap<Client, string>();
  private readonly wills = new WeakMap<Client, Will>();
  /** Clients whose last-will published the device's `offline`: the controller need not publish it again. */
  private readonly offlineByWill = new WeakSet<Client>();
  private readonly rejectWindow = new WeakMap<Client, { start: number; count: number }>();
  private readonly ingestOptions: IngestOptions;
  private readonly maxPacketBytes: number;
  private readonly deviceMessages: TokenBuckets;
  private readonly connectFailures: FailureLimiter;
  /** CONNECTs at a bounded rate, the rest queued (a restart is a reconnect storm). */
  readonly admission: ConnectAdmission<PendingConnect>;
  private admissionTimer: NodeJS.Timeout | null = null;
  /** Set when stop() begins: no new connections, no publishes, no wills. */
  private stopping = false;
  private inflight = 0;
  private onDrained: (() => void) | null = null;
  readonly counters: BrokerCounters = {
    accepted: 0,
    rejected: 0,
    rejectedByCode: {},
    authFailures: 0,
    connects: 0,
    oversizedPackets: 0,
    sessionLimitRefusals: 0,
    persistentSessionRefusals: 0,
    rateLimited: 0,
    addressBlocks: 0,
    blockedConnections: 0,
    floodDisconnects: 0,
  };

  constructor(
    private readonly config: Config['mqtt'],
    private readonly log: Logger,
    private readonly bus: EventBus,
    private readonly credentials: DeviceAuthenticator,
    registry: DeviceDirectory,
  ) {
    this.ingestOptions = {
      maxPayloadBytes: config.maxPayloadBytes,
      deviceExists: (compound, role, device) => registry.deviceExists(compound, role, device),
    };
    this.maxPacketBytes = config.maxPayloadBytes + PACKET_OVERHEAD_BYTES;
    // Keys are registered devices only (the ACL and registry checks run first), so the map is bounded by the registry.
    this.deviceMessages = new TokenBuckets(config.deviceMessagesPerS, config.deviceMessageBurst);
    this.connectFailures = new FailureLimiter(config.connectFailuresPerAddress, config.connectFailureWindowS * 1000, config.connectBlockS * 1000);
    this.admission = new ConnectAdmission(config.connectRatePerS, config.connectBurst, config.connectQueueMax, Date.now());
  }

  get tcpPort(): number {
    return (this.tcp?.address() as net.AddressInfo | null)?.port ?? 0;
  }

  get tlsPort(): number | null {
    return this.tlsServer ? (this.tlsServer.address() as net.AddressInfo).port : null;
  }

  get connectedClients(): number {
    return this.aedes?.connectedClients ?? 0;
  }

  async start(httpServer: HttpServer): Promise<void> {
    this.aedes = await Aedes.createBroker({
      // The stock store scans every retained message on each SUBSCRIBE: a city's reconnect would be quadratic.
      persistence: this.retained,
      heartbeatInterval: 60_000,
      connectTimeout: 10_000,
      keepaliveLimit: this.config.keepaliveLimitS,
      drainTimeout: 30_000,
      maxClientsIdLength: 200,
      maxTopicLevels: 16,
      concurrency: 1000,
      preConnect: (client, packet, done) => {
        // aedes clears client.will before 'clientDisconnect'; keep the CONNECT's will to recognise it when it fires.
        if (packet.will) this.wills.set(client, packet.will);
        this.admit(client, done);
      },
      authenticate: (client, username, password, done) => this.authenticate(client, username, password, done),
      authorizePublish: (client, packet, done) => this.authorizePublish(client, packet, done),
      authorizeSubscribe: (client, sub, done) => {
        const who = this.identities.get(client);
        const reason = who ? subscribeDenied(who, sub.topic) : 'not authenticated';
        if (reason) {
          this.log.warn({ client: client.id, filter: sub.topic, reason }, 'subscription refused');
          if (who) {
            this.reject(who, sub.topic, 'CAIDENG_MQTT_FORBIDDEN', `subscribing to '${sub.topic}' is not allowed: ${reason}`);
            if (this.tooManyRejections(client)) return done(this.floodError(), null);
          }
          return done(null, null); // negative SUBACK (0x80) for this filter [MQTT-3.9.3]
        }
        done(null, sub);
      },
    });
    this.aedes.on('publish', (packet, client) => {
      if (!client) return;
      const entry = (packet.payload as TaggedBuffer)[DECODED];
      if (!entry) return;
      this.dispatch(entry.address, entry.channel, entry.payload);
    });
    this.aedes.on('clientDisconnect', (client) => this.endSession(client));
    this.bus.on('credential.revoked', this, ({ username }) => {
      this.disconnect(username);
    });
    this.aedes.on('clientError', (client, err) => this.log.debug({ client: client.id, err: err.message }, 'client error'));
    this.aedes.on('connectionError', (client, err) => this.log.debug({ err: err.message }, 'connection error'));

    // Nagle's algorithm against delayed ACKs adds ~40 ms to every request/response; devices want low latency.
    this.tcp = net.createServer({ noDelay: true }, (socket) => this.accept(socket, socket.remoteAddress));
    await listen(this.tcp, this.config.port, this.config.host);
    if (this.config.tls) {
      this.tlsServer = tls.createServer(
        { cert: readFileSync(this.config.tls.certFile), key: readFileSync(this.config.tls.keyFile), noDelay: true } as tls.TlsOptions,
        (socket) => this.accept(socket, socket.remoteAddress),
      );
      await listen(this.tlsServer, this.config.tls.port, this.config.host);
    }
    this.wss = new WebSocketServer({ noServer: true, maxPayload: 256 * 1024 });
    this.httpServer = httpServer;
    httpServer.on('upgrade', this.onUpgrade);
    this.log.info({ tcp: this.tcpPort, tls: this.tlsPort, ws: this.config.wsPath, maxPacketBytes: this.maxPacketBytes }, 'MQTT broker listening');
  }

  /** Every transport's connections come in here: refused at once from a blocked address, packet-guarded, then handed to aedes. */
  private accept(conn: Duplex, remoteAddress: string | undefined, req?: IncomingMessage): void {
    const address = remoteAddress ?? 'unknown';
    if (this.stopping) {
      conn.destroy();
      return;
    }
    if (this.connectFailures.blocked(address, Date.now())) {
      this.counters.blockedConnections++;
      conn.destroy();
      return;
    }
    let client: Client | undefined;
    guardPackets(conn, this.maxPacketBytes, (reason) => {
      this.counters.oversizedPackets++;
      const who = client ? this.identities.get(client) : undefined;
      this.log.warn({ address, username: who?.username, reason }, 'connection closed: packet too large');
      // Before authentication this is a failed CONNECT of its address.
      if (!who) this.connectFailed(address);
    });
    client = this.aedes.handle(conn, req);
    this.sourceAddress.set(client, address);
    // Fallback for a session that authenticated but never reached 'clientDisconnect' (closed mid-CONNECT).
    conn.once('close', () => {
      if (client) this.endSession(client);
    });
  }

  /** A CONNECT is let in now, queued for its turn, or refused (queue full: the socket closes, the device backs off). */
  private admit(client: Client, done: (err: Error | null, ok: boolean) => void): void {
    if (this.stopping) return done(new Error('the broker is stopping'), false);
    const outcome = this.admission.offer({ client, done }, Date.now());
    if (outcome === 'admitted') return done(null, true);
    if (outcome === 'refused') {
      this.log.debug({ client: client.id, waiting: this.admission.waiting }, 'connect refused: admission queue full');
      return done(new Error('too many connects waiting: try again later'), false);
    }
    this.scheduleAdmission();
  }

  private scheduleAdmission(): void {
    if (this.admissionTimer || this.admission.waiting === 0) return;
    this.admissionTimer = setTimeout(() => {
      this.admissionTimer = null;
      if (this.stopping) return;
      for (const p of this.admission.due(Date.now(), (w) => !(w.client as Client & { closed?: boolean }).closed)) p.done(null, true);
      this.scheduleAdmission();
    }, Math.max(1, this.admission.nextInMs(Date.now())));
  }

  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== this.config.wsPath || !this.wss) return; // socket.io handles its own path
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const stream = createWebSocketStream(ws);
      stream.on('error', () => stream.destroy());
      this.accept(stream, req.socket.remoteAddress, req);
    });
  };

  /**
   * Stops in an order that loses nothing and logs nothing: refuse new connections and publishes, let the
   * controller's publishes in flight finish, then close the sessions (devices are marked offline in memory
   * and store, with nothing published: the retained store dies with the process) and the emitter.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.admissionTimer) clearTimeout(this.admissionTimer);
    this.admissionTimer = null;
    for (const p of this.admission.clear()) p.done(new Error('the broker is stopping'), false);
    this.httpServer?.off('upgrade', this.onUpgrade);
    await this.drainPublishes();
    for (const ws of this.wss?.clients ?? []) ws.terminate();
    this.wss?.close();
    await new Promise<void>((resolve) => (this.aedes ? this.aedes.close(() => resolve()) : resolve()));
    await Promise.all([closeServer(this.tcp), closeServer(this.tlsServer)]);
  }

  /**
   * Publishes a controller message after checking it against the contract, with the channel's QoS and retain
   * flag from CHANNELS. Once the broker is stopping nothing is published (every device is being disconnected);
   * the senders' protocols cover the loss: kiosks re-send until a receipt, commands time out.
   */
  publish<C extends Channel>(address: Address, channel: C, payload: ChannelPayloads[C], retain: boolean = CHANNELS[channel].retained): Promise<void> {
    const packet = {
      cmd: 'publish',
      topic: buildTopic(address, channel),
      payload: encodePayload(channel, payload),
      qos: CHANNELS[channel].qos,
      retain,
      dup: false,
    } as PublishPacket;
    if (this.stopping) {
      this.log.debug({ topic: packet.topic }, 'not published: the broker is stopping');
      return Promise.resolve();
    }
    this.inflight++;
    return new Promise((resolve, reject) =>
      this.aedes.publish(packet, (err) => {
        if (--this.inflight === 0) this.onDrained?.();
        if (err) reject(err);
        else resolve();
      }),
    );
  }

  /** Publishes on a compound's compound-level address, `caideng/v1/{compound}/compound/-/{channel}`. */
  publishToCompound<C extends CompoundChannel>(compound: string, channel: C, payload: ChannelPayloads[C]): Promise<void> {
    return this.publish(compoundAddress(compound), channel, payload);
  }

  /** Whether a device (by username) has a live session on this broker. */
  isConnected(username: string): boolean {
    return this.sessions.has(username);
  }

  private drainPublishes(): Promise<void> {
    if (this.inflight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, STOP_DRAIN_MS);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.onDrained = done;
    });
  }

  /** A session ended; when it was the device's last, the device is offline. */
  private endSession(client: Client): void {
    const who = this.identities.get(client);
    if (!who) return;
    const { last } = this.sessions.remove(who.username, client);
    if (!last) return;
    this.bus.emit('device.disconnected', { identity: who, hadWill: this.offlineByWill.has(client), shutdown: this.stopping, at: Date.now() });
  }

  private connectFailed(address: string): void {
    if (!this.connectFailures.fail(address, Date.now())) return;
    this.counters.addressBlocks++;
    this.log.warn(
      { address, failures: this.config.connectFailuresPerAddress, windowS: this.config.connectFailureWindowS, blockS: this.config.connectBlockS },
      'too many failed connects: address refused for a while',
    );
  }

  private floodError(): Error {
    this.counters.floodDisconnects++;
    return new Error(`more than ${this.config.rejectionsBeforeDisconnect} rejected messages in a minute`);
  }

  /** Closes every session of a device (its main one and any `username/<suffix>`); returns how many. */
  disconnect(username: string): number {
    let closed = 0;
    for (const client of Object.values((this.aedes as unknown as { clients: Record<string, Client> }).clients)) {
      if (this.identities.get(client)?.username !== username) continue;
      client.close();
      closed++;
    }
    if (closed > 0) this.log.info({ username, sessions: closed }, 'device disconnected');
    return closed;
  }

  private authenticate(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
    done: (error: AuthenticateError | null, success: boolean | null) => void,
  ): void {
    const source = this.sourceAddress.get(client) ?? 'unknown';
    const fail = (returnCode: 2 | 4 | 5, why: string) => {
      this.counters.authFailures++;
      this.connectFailed(source);
      this.log.warn({ client: client.id, username, address: source, why }, 'connection refused');
      const err = new Error(why) as AuthenticateError;
      err.returnCode = returnCode as AuthenticateError['returnCode'];
      done(err, false);
    };
    const address = username ? parseDeviceUsername(username) : null;
    if (!username || !address) return fail(4, 'username must be {compound}/{role}/{device}');
    if (!this.credentials.verify(username, password)) return fail(4, 'bad username or password');
    // The client id is bound to the username so one device cannot take over another's session.
    if (client.id !== username && !client.id.startsWith(`${username}/`)) {
      return fail(5, `client id must be '${username}' (or '${username}/<suffix>')`);
    }
    // No role needs a session kept while offline, and aedes would queue every QoS 1 message for it without bound.
    if (!client.clean) {
      this.counters.persistentSessionRefusals++;
      return fail(2, 'persistent sessions are not offered: connect with clean session 1');
    }
    const others = this.sessions.othersThan(username, client.id);
    if (others >= this.config.maxSessionsPerDevice) {
      this.counters.sessionLimitRefusals++;
      return fail(5, `the device has ${others} sessions already, at most ${this.config.maxSessionsPerDevice}`);
    }
    this.identities.set(client, { ...address, username });
    this.sessions.add(username, client);
    this.counters.connects++;
    done(null, true);
  }

  private authorizePublish(client: Client | null, packet: PublishPacket, done: (error?: Error | null) => void): void {
    const who = client ? this.identities.get(client) : undefined;
    if (!client || !who) {
      // Wills of sessions from before a restart, or a client that never authenticated: drop.
      return this.quarantine(packet, done);
    }
    if (packet === this.wills.get(client)) return this.authorizeWill(client, who, packet, done);
    const payload = packet.payload as Buffer;
    const result = checkIncoming(who, packet.topic, payload, packet.retain, this.ingestOptions);
    if (!result.ok) return this.refuse(client, who, packet, result.code, result.reason, done);
    const { compound, role, device, channel } = result.parts;
    // Each accepted req and event costs a store write: bounded per device.
    if ((channel === 'req' || channel === 'event') && !this.deviceMessages.take(`${compound}/${role}/${device}`, Date.now())) {
      this.counters.rateLimited++;
      const reason = `more than ${this.config.deviceMessagesPerS} '${channel}' messages per second (bursts of ${this.config.deviceMessageBurst}) from '${compound}/${role}/${device}'; send it again later`;
      return this.refuse(client, who, packet, 'CAIDENG_MQTT_RATE_LIMITED', reason, done);
    }
    this.counters.accepted++;
    (payload as TaggedBuffer)[DECODED] = { address: { compound, role, device }, channel, payload: result.payload };
    done(null);
  }

  /**
   * The last-will of a closing session. It is not published at shutdown, nor when the device has another live
   * session (a takeover by the same client id, or a second session): the device is not gone. Otherwise it is
   * checked like any publish; an accepted `offline` on the device's own availability is remembered, so the
   * controller does not publish a second one.
   */
  private authorizeWill(client: Client, who: Identity, packet: PublishPacket, done: (error?: Error | null) => void): void {
    if (this.stopping || this.sessions.hasOther(who.username, client)) return done(new Error('will not published: the device is still connected'));
    const payload = packet.payload as Buffer;
    const result = checkIncoming(who, packet.topic, payload, packet.retain, this.ingestOptions);
    if (!result.ok) {
      this.reject(who, packet.topic, result.code, `last-will: ${result.reason}`);
      return this.quarantine(packet, done);
    }
    const { compound, role, device, channel } = result.parts;
    if (channel === 'availability' && role === who.role && device === who.device && (result.payload as ChannelPayloads['availability']).state === 'offline') {
      this.offlineByWill.add(client);
    }
    this.counters.accepted++;
    (payload as TaggedBuffer)[DECODED] = { address: { compound, role, device }, channel, payload: result.payload };
    done(null);
  }

  /** Rejects a publish: told on the device's error topic, rerouted to quarantine, or the client disconnected when it floods. */
  private refuse(client: Client, who: Identity, packet: PublishPacket, code: ErrorCode, reason: string, done: (error?: Error | null) => void): void {
    this.reject(who, packet.topic, code, reason);
    if (this.tooManyRejections(client)) return done(this.floodError());
    this.quarantine(packet, done);
  }

  private quarantine(packet: PublishPacket, done: (error?: Error | null) => void): void {
    packet.topic = QUARANTINE_TOPIC;
    packet.payload = EMPTY;
    packet.retain = false;
    done(null);
  }

  private tooManyRejections(client: Client): boolean {
    const now = Date.now();
    let w = this.rejectWindow.get(client);
    if (!w || now - w.start > 60_000) this.rejectWindow.set(client, (w = { start: now, count: 0 }));
    return ++w.count > this.config.rejectionsBeforeDisconnect;
  }

  private reject(who: Identity, topic: string, code: ErrorCode, reason: string): void {
    this.counters.rejected++;
    this.counters.rejectedByCode[code] = (this.counters.rejectedByCode[code] ?? 0) + 1;
    const at = Date.now();
    this.bus.emit('message.rejected', { identity: who, topic, code, reason, at });
    if (this.stopping) return;
    this.publish({ compound: who.compound, role: who.role, device: who.device }, 'error', {
      v: PROTOCOL_VERSION,
      ts: at,
      code,
      reason,
      topic: topic.slice(0, 512),
    }).catch((err: unknown) => this.log.warn({ err }, 'could not publish rejection'));
  }

  private dispatch(address: DeviceAddress, channel: Channel, payload: unknown): void {
    const receivedAt = Date.now();
    switch (channel) {
      case 'telemetry':
        return this.bus.emit('group.telemetry', { address, telemetry: payload as ChannelPayloads['telemetry'], receivedAt });
      case 'state':
        return this.bus.emit('group.state', { address, state: payload as ChannelPayloads['state'], receivedAt });
      case 'ack':
        return this.bus.emit('group.ack', { address, ack: payload as ChannelPayloads['ack'], receivedAt });
      case 'availability':
        return this.bus.emit('device.availability', { address, availability: payload as ChannelPayloads['availability'], receivedAt });
      case 'event':
        return this.bus.emit('kiosk.event', { address, event: payload as ChannelPayloads['event'], receivedAt });
      case 'req':
        return this.bus.emit('device.request', { address, request: payload as ChannelPayloads['req'], receivedAt });
      default:
        return;
    }
  }
}

function listen(server: net.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: net.Server | null): Promise<void> {
  if (!server) return Promise.resolve();
  return new Promise((resolve) => server.close(() => resolve()));
}
