/**
 * The embedded MQTT broker (aedes) with its transports: TCP, WebSocket on the HTTP port, optional TLS.
 * It authenticates devices, enforces the topic ACL, validates every payload before the broker routes
 * or retains it, and turns accepted messages into bus events.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { Aedes, type AuthenticateError, type Client, type PublishPacket } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';
import {
  PROTOCOL_VERSION,
  encodePayload,
  parseDeviceUsername,
  topic as buildTopic,
  type Channel,
  type ChannelPayloads,
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

/** Rejected publishes are acknowledged and rerouted here, where no one can subscribe (MQTT-3.3.5-2 allows a
 *  positive ack for an unauthorized PUBLISH). The device keeps its connection and is told why on its error topic. */
const QUARANTINE_TOPIC = '$caideng/rejected';
const EMPTY = Buffer.alloc(0);

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
}

export class Broker implements BusPublisher {
  aedes!: Aedes;
  private tcp: net.Server | null = null;
  private tlsServer: tls.Server | null = null;
  private wss: WebSocketServer | null = null;
  private httpServer: HttpServer | null = null;
  private readonly identities = new WeakMap<Client, Identity>();
  /** The live connection of each username, so a takeover's late disconnect is not mistaken for the device going offline. */
  private readonly current = new Map<string, Client>();
  private readonly rejectWindow = new WeakMap<Client, { start: number; count: number }>();
  private readonly ingestOptions: IngestOptions;
  readonly counters: BrokerCounters = { accepted: 0, rejected: 0, rejectedByCode: {}, authFailures: 0, connects: 0 };

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
      heartbeatInterval: 60_000,
      connectTimeout: 10_000,
      keepaliveLimit: this.config.keepaliveLimitS,
      drainTimeout: 30_000,
      maxClientsIdLength: 200,
      maxTopicLevels: 16,
      concurrency: 1000,
      authenticate: (client, username, password, done) => this.authenticate(client, username, password, done),
      authorizePublish: (client, packet, done) => this.authorizePublish(client, packet, done),
      authorizeSubscribe: (client, sub, done) => {
        const who = this.identities.get(client);
        const reason = who ? subscribeDenied(who, sub.topic) : 'not authenticated';
        if (reason) {
          this.log.warn({ client: client.id, filter: sub.topic, reason }, 'subscription refused');
          if (who) this.reject(who, sub.topic, 'CAIDENG_MQTT_FORBIDDEN', `subscribing to '${sub.topic}' is not allowed: ${reason}`);
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
    this.aedes.on('clientReady', (client) => {
      const who = this.identities.get(client);
      if (who) this.current.set(who.username, client);
    });
    this.aedes.on('clientDisconnect', (client) => {
      const who = this.identities.get(client);
      if (!who || this.current.get(who.username) !== client) return;
      this.current.delete(who.username);
      this.bus.emit('device.disconnected', { identity: who, hadWill: Boolean((client as Client & { will?: unknown }).will), at: Date.now() });
    });
    this.bus.on('credential.revoked', this, ({ username }) => {
      this.disconnect(username);
    });
    this.aedes.on('clientError', (client, err) => this.log.debug({ client: client.id, err: err.message }, 'client error'));
    this.aedes.on('connectionError', (client, err) => this.log.debug({ err: err.message }, 'connection error'));

    // Nagle's algorithm against delayed ACKs adds ~40 ms to every request/response; devices want low latency.
    this.tcp = net.createServer({ noDelay: true }, this.aedes.handle);
    await listen(this.tcp, this.config.port, this.config.host);
    if (this.config.tls) {
      this.tlsServer = tls.createServer(
        { cert: readFileSync(this.config.tls.certFile), key: readFileSync(this.config.tls.keyFile), noDelay: true } as tls.TlsOptions,
        this.aedes.handle,
      );
      await listen(this.tlsServer, this.config.tls.port, this.config.host);
    }
    this.wss = new WebSocketServer({ noServer: true, maxPayload: 256 * 1024 });
    this.httpServer = httpServer;
    httpServer.on('upgrade', this.onUpgrade);
    this.log.info({ tcp: this.tcpPort, tls: this.tlsPort, ws: this.config.wsPath }, 'MQTT broker listening');
  }

  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== this.config.wsPath || !this.wss) return; // socket.io handles its own path
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const stream = createWebSocketStream(ws);
      stream.on('error', () => stream.destroy());
      this.aedes.handle(stream, req);
    });
  };

  async stop(): Promise<void> {
    this.httpServer?.off('upgrade', this.onUpgrade);
    for (const ws of this.wss?.clients ?? []) ws.terminate();
    this.wss?.close();
    await new Promise<void>((resolve) => (this.aedes ? this.aedes.close(() => resolve()) : resolve()));
    await Promise.all([closeServer(this.tcp), closeServer(this.tlsServer)]);
  }

  /** Publishes a controller message after checking it against the contract. */
  publish<C extends Channel>(address: DeviceAddress, channel: C, payload: ChannelPayloads[C], retain = false): Promise<void> {
    const packet = {
      cmd: 'publish',
      topic: buildTopic(address, channel),
      payload: encodePayload(channel, payload),
      qos: 1,
      retain,
      dup: false,
    } as PublishPacket;
    return new Promise((resolve, reject) => this.aedes.publish(packet, (err) => (err ? reject(err) : resolve())));
  }

  /** Whether a device (by username) has a live connection to this broker. */
  isConnected(username: string): boolean {
    return this.current.has(username);
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
    const fail = (returnCode: 4 | 5, why: string) => {
      this.counters.authFailures++;
      this.log.warn({ client: client.id, username, why }, 'connection refused');
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
    this.identities.set(client, { ...address, username });
    this.counters.connects++;
    done(null, true);
  }

  private authorizePublish(client: Client | null, packet: PublishPacket, done: (error?: Error | null) => void): void {
    const who = client ? this.identities.get(client) : undefined;
    if (!who) {
      // Wills of sessions from before a restart, or a client that never authenticated: drop.
      return this.quarantine(packet, done);
    }
    const payload = packet.payload as Buffer;
    const result = checkIncoming(who, packet.topic, payload, packet.retain, this.ingestOptions);
    if (!result.ok) {
      this.reject(who, packet.topic, result.code, result.reason);
      if (client && this.tooManyRejections(client)) {
        return done(new Error(`more than ${this.config.rejectionsBeforeDisconnect} rejected messages in a minute`));
      }
      return this.quarantine(packet, done);
    }
    this.counters.accepted++;
    const { compound, role, device, channel } = result.parts;
    (payload as TaggedBuffer)[DECODED] = { address: { compound, role, device }, channel, payload: result.payload };
    done(null);
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
