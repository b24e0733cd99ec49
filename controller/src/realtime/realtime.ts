/**
 * Live push to browsers over socket.io. A viewer joins one room per compound; device changes are
 * coalesced per device and sent at most once per `batchMs`, in one `devices` message per viewer covering
 * all its compounds (viewers watching the same compounds share it, encoded once), so a burst of telemetry
 * costs the browser one message, not thousands. Compound summaries go out once a second.
 * The snapshot that answers a subscribe goes out in parts of `snapshotChunkDevices` devices, a turn of
 * the event loop apart, so a viewer of a 40,000-device city never costs one giant message. Every
 * connection's events are rate-limited (token buckets); a connection that keeps flooding is dropped.
 * Every connection is authenticated at the handshake (session cookie or API token) and sees only the
 * compounds in its scope: `subscribe('*')` means "all of mine", and compound summaries are filtered
 * the same way. When a session ends (sign-out, disabled user), its connections close.
 */
import type { Server as HttpServer } from 'node:http';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Server, type Socket } from 'socket.io';
import { formatError, type ClientToServerEvents, type DeviceStatus, type ServerToClientEvents, type SubscribeResult } from '@caideng/protocol';
import { Feature, type FeatureContext } from '../features/feature.js';
import type { DeviceState } from '../features/devices/deviceState.js';
import type { Registry } from '../registry/registry.js';
import { compoundKeys } from '../registry/deviceKeys.js';
import { authorize, type Reach } from '../auth/access.js';
import type { Authenticated } from '../auth/http.js';

/** Authenticates a socket.io handshake (auth/http.ts `AuthGate`). */
export interface HandshakeAuthenticator {
  fromHandshake(cookieHeader: string | undefined, token: unknown): Promise<Authenticated | null>;
  stillValid(who: Authenticated): Promise<boolean>;
}

/** Live connections are re-checked this often: a user disabled from the command line (another process) loses them too. */
const RECHECK_MS = 30_000;

/** Viewers whose summaries cover the same compounds share a `summaries:` room (`summaries:*` for the county). */
const SUMMARY_ROOM = 'summaries:';
/** Viewers watching the same compounds are in one `watch:` room (`watch:*` for every compound). */
const WATCH_ROOM = 'watch:';
/** Refused events are counted over this window for the flood limit. */
const FLOOD_WINDOW_MS = 10_000;

/** A token bucket: `burst` events at once, refilled at `perS` a second. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    private readonly burst: number,
    private readonly perS: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }
  take(now: number): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perS);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** What the controller keeps per connection. */
interface Viewer {
  /** Numbers this connection's snapshots; a newer subscribe stops an older snapshot's parts. */
  snapshot: number;
  events: TokenBucket;
  subscribes: TokenBucket;
  refused: number;
  refusedSince: number;
  /** Subscribes of this connection, in order. */
  chain: Promise<void>;
  /** Who is connected and what their scope covers. */
  reach: Reach;
  /** The hashed session id, when the connection rides on a session cookie. */
  session?: string;
}

type ViewerSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, Viewer>;

export class Realtime extends Feature {
  io: Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, Viewer> | null = null;
  /** Devices changed since the last batch: the live status objects, one entry per device. */
  private readonly pending = new Set<DeviceStatus>();
  /** What each `watch:` room watches (null: every compound). */
  private readonly watchGroups = new Map<string, ReadonlySet<string> | null>();
  /** What each `summaries:` room's summaries cover (null: every compound). */
  private readonly summaryGroups = new Map<string, ReadonlySet<string> | null>();
  /** Compounds someone watches (all of them when `watchesAll`): changes elsewhere are not batched. */
  private watched = new Set<string>();
  private watchesAll = false;
  private timer: NodeJS.Timeout | null = null;
  private summaryTimer: NodeJS.Timeout | null = null;
  private recheckTimer: NodeJS.Timeout | null = null;
  readonly counters = { batches: 0, changes: 0, snapshotParts: 0, rateLimited: 0, floodDisconnects: 0 };

  constructor(
    ctx: FeatureContext,
    private readonly httpServer: HttpServer,
    private readonly registry: Registry,
    private readonly state: DeviceState,
    private readonly auth: HandshakeAuthenticator,
  ) {
    super(ctx, 'realtime');
  }

  override async start(): Promise<void> {
    const limits = this.ctx.config.realtime;
    const io = new Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, Viewer>(this.httpServer, {
      path: '/socket.io',
      serveClient: false,
      // Other upgrade paths (MQTT over WebSocket) belong to the broker; do not destroy them.
      destroyUpgrade: false,
      maxHttpBufferSize: 64 * 1024,
    });
    this.io = io;
    // No session or token, no connection: the browser gets `connect_error` with this code as its message.
    io.use((socket, next) => {
      const { headers, auth } = socket.handshake;
      this.auth.fromHandshake(headers.cookie, (auth as { token?: unknown } | undefined)?.token).then(
        (who) => {
          if (!who) return next(new Error('CAIDENG_ERR_UNAUTHORIZED'));
          socket.data.reach = who.reach;
          if (who.session) socket.data.session = who.session;
          next();
        },
        (err: unknown) => {
          this.log.error({ err }, 'socket.io authentication failed');
          next(new Error('CAIDENG_ERR_INTERNAL'));
        },
      );
    });
    io.on('connection', (socket) => {
      const now = Date.now();
      socket.data = {
        ...socket.data,
        snapshot: 0,
        events: new TokenBucket(limits.eventBurst, limits.eventsPerS, now),
        subscribes: new TokenBucket(limits.subscribeBurst, limits.subscribePerS, now),
        refused: 0,
        refusedSince: now,
        chain: Promise.resolve(),
      };
      // Every incoming event, known or not, costs a token; an event over the limit is answered and dropped.
      socket.use((packet, next) => {
        if (socket.data.events.take(Date.now())) return next();
        this.refuse(socket, packet[packet.length - 1]);
      });
      socket.on('disconnect', () => this.refreshWatched());
      socket.on('subscribe', (compounds, ack) => {
        if (!socket.data.subscribes.take(Date.now())) return this.refuse(socket, ack);
        // Numbered on arrival, run one after the other: a newer subscribe stops an older snapshot at its next part.
        const id = ++socket.data.snapshot;
        const reply = typeof ack === 'function' ? ack : undefined;
        socket.data.chain = socket.data.chain
          .then(() => this.subscribe(socket, id, compounds, reply))
          .catch((err: unknown) => this.log.error({ err }, 'subscribe failed'));
      });
    });
    const { bus } = this.ctx;
    bus.on('state.changed', this, ({ status }) => {
      // Nobody watching this compound: nothing to batch (a new viewer gets a snapshot).
      if (!this.watchesAll && !this.watched.has(status.compound)) return;
      this.pending.add(status);
    });
    bus.on('auth.sessions.ended', this, ({ username, session, except }) => {
      for (const socket of io.sockets.sockets.values()) {
        const d = socket.data;
        if (d.reach?.principal.username !== username) continue;
        if (except !== undefined && d.session === except) continue;
        if (session === undefined || d.session === session) socket.disconnect(true);
      }
    });
    bus.on('press.stored', this, ({ press }) => {
      const { receivedAt: _r, ...view } = press;
      io.to(`compound:${press.compound}`).emit('press', view);
    });
    // The schedule of a compound changed (a rule, an override began or ended): its viewers fetch the plan again.
    bus.on('schedule.changed', this, ({ compounds, revision, at }) => {
      for (const compound of compounds) io.to(`compound:${compound}`).emit('schedule', { compound, revision, at });
    });
    this.recheckTimer = setInterval(() => void this.recheck(), RECHECK_MS);
    this.recheckTimer.unref();
    const batchMs = this.ctx.config.realtime.batchMs;
    this.timer = setInterval(() => this.flush(), Math.max(batchMs, 5));
    this.summaryTimer = setInterval(() => {
      const rooms = io.sockets.adapter.rooms;
      let all: ReturnType<DeviceState['summaries']> | null = null;
      const ts = Date.now();
      for (const [group, compounds] of this.summaryGroups) {
        if (!rooms.has(SUMMARY_ROOM + group)) {
          this.summaryGroups.delete(group);
          continue;
        }
        all ??= this.state.summaries();
        io.to(SUMMARY_ROOM + group).emit('summaries', { ts, summaries: compounds ? all.filter((s) => compounds.has(s.id)) : all });
      }
    }, 1000);
  }

  /** Device changes waiting for the next batch. */
  get queued(): number {
    return this.pending.size;
  }

  override async stop(): Promise<void> {
    if (!this.io && !this.timer) return; // already stopped (the controller stops it early)
    await super.stop();
    if (this.timer) clearInterval(this.timer);
    if (this.summaryTimer) clearInterval(this.summaryTimer);
    if (this.recheckTimer) clearInterval(this.recheckTimer);
    this.recheckTimer = null;
    this.timer = null;
    this.summaryTimer = null;
    const io = this.io;
    this.io = null;
    if (io) {
      io.disconnectSockets(true);
      // Closing socket.io would close the shared HTTP server; the HTTP layer owns that.
      io.engine.close();
    }
  }

  private async subscribe(socket: ViewerSocket, id: number, compounds: unknown, reply: ((r: SubscribeResult) => void) | undefined): Promise<void> {
    const replaced = () => {
      if (socket.data.snapshot === id) return false;
      reply?.({ ok: false, compounds: [], error: 'replaced by a newer subscribe' });
      return true;
    };
    if (socket.disconnected || replaced()) return;
    const reach = socket.data.reach;
    // '*' is every compound the viewer may read: the whole county, or their scope's compounds.
    const mine = this.registry.county.compounds.map((c) => c.id).filter((c) => reach.all || reach.compounds.has(c));
    const everything = compounds === '*' && reach.all;
    const wanted = compounds === '*' ? mine : Array.isArray(compounds) ? compounds.filter((c): c is string => typeof c === 'string') : [];
    const unknown = wanted.filter((c) => !this.registry.compound(c));
    if (unknown.length > 0) {
      reply?.({ ok: false, compounds: [], error: `unknown compound(s): ${unknown.slice(0, 20).join(', ')}` });
      return;
    }
    const forbidden = wanted.filter((c) => !authorize(reach, 'read', c));
    if (forbidden.length > 0) {
      const error = formatError('CAIDENG_ERR_FORBIDDEN', `read on compound '${forbidden.slice(0, 20).join("', '")}' as ${reach.principal.role}`);
      reply?.({ ok: false, compounds: [], code: 'CAIDENG_ERR_FORBIDDEN', error });
      return;
    }
    // A new subscription replaces the previous one.
    for (const room of socket.rooms) {
      if (room.startsWith('compound:') || room.startsWith(WATCH_ROOM) || room.startsWith(SUMMARY_ROOM)) await socket.leave(room);
    }
    const group = everything ? '*' : [...new Set(wanted)].sort().join(',');
    // Summaries cover what the viewer may read (a compound view still shows its siblings' tiles).
    const summaryGroup = reach.all ? '*' : mine.join(',');
    await socket.join([...wanted.map((c) => `compound:${c}`), SUMMARY_ROOM + summaryGroup, WATCH_ROOM + group]);
    this.watchGroups.set(group, group === '*' ? null : new Set(wanted));
    if (!this.summaryGroups.has(summaryGroup)) this.summaryGroups.set(summaryGroup, reach.all ? null : new Set(mine));
    const summaries = () => {
      const all = this.state.summaries();
      return reach.all ? all : all.filter((s) => reach.compounds.has(s.id));
    };
    this.refreshWatched();
    // Joined before the first part: a change from now on reaches the viewer in a batch, and each part is
    // read from the live state when it is sent, so no change is lost between the parts.
    const keys = wanted.flatMap((c) => compoundKeys(this.registry, c));
    const chunk = this.ctx.config.realtime.snapshotChunkDevices;
    for (let part = 0, start = 0; ; part++, start += chunk) {
      const devices: DeviceStatus[] = [];
      for (const key of keys.slice(start, start + chunk)) {
        const status = this.state.get(key);
        if (status) devices.push(status);
      }
      const last = start + chunk >= keys.length;
      socket.emit('snapshot', { ts: Date.now(), snapshot: id, part, last, devices, summaries: part === 0 ? summaries() : [] });
      this.counters.snapshotParts++;
      if (last) break;
      await nextTurn();
      if (socket.disconnected || replaced()) return;
    }
    reply?.({ ok: true, compounds: wanted });
  }

  /** Closes live connections whose session or user no longer stands (public so tests choose the moment). */
  async recheck(): Promise<void> {
    const io = this.io;
    if (!io) return;
    for (const socket of [...io.sockets.sockets.values()]) {
      const { reach, session } = socket.data;
      if (!reach) continue;
      const valid = await this.auth.stillValid(session ? { reach, session } : { reach }).catch((err: unknown) => {
        this.log.warn({ err }, 'could not re-check a live connection');
        return true;
      });
      if (!valid) socket.disconnect(true);
    }
  }

  /** An event over the limit: answered with an error if it wants an answer, counted; a flood disconnects. */
  private refuse(socket: ViewerSocket, ack: unknown): void {
    this.counters.rateLimited++;
    const now = Date.now();
    const v = socket.data;
    if (now - v.refusedSince > FLOOD_WINDOW_MS) {
      v.refused = 0;
      v.refusedSince = now;
    }
    v.refused++;
    if (typeof ack === 'function') {
      const result: SubscribeResult = { ok: false, compounds: [], code: 'CAIDENG_ERR_RATE_LIMITED', error: formatError('CAIDENG_ERR_RATE_LIMITED', 'a second') };
      (ack as (r: SubscribeResult) => void)(result);
    }
    if (v.refused >= this.ctx.config.realtime.floodDisconnectAfter) {
      this.counters.floodDisconnects++;
      this.log.warn({ address: socket.handshake.address, refused: v.refused }, 'socket.io client flooding: disconnected');
      socket.disconnect(true);
    }
  }

  /** Forgets `watch:` rooms nobody is in any more, and recomputes which compounds are watched. */
  private refreshWatched(): void {
    const rooms = this.io?.sockets.adapter.rooms;
    const watched = new Set<string>();
    let all = false;
    for (const [group, compounds] of this.watchGroups) {
      if (!rooms?.has(WATCH_ROOM + group)) {
        this.watchGroups.delete(group);
        continue;
      }
      if (compounds === null) all = true;
      else for (const c of compounds) watched.add(c);
    }
    this.watched = watched;
    this.watchesAll = all;
  }

  /** Sends the changes waiting (the batch timer calls this every `batchMs`; public so tests choose the moment). */
  flush(): void {
    if (!this.io || this.pending.size === 0) return;
    const ts = Date.now();
    const rooms = this.io.sockets.adapter.rooms;
    for (const [group, compounds] of this.watchGroups) {
      const room = WATCH_ROOM + group;
      if (!rooms.has(room)) continue;
      const changes: DeviceStatus[] = [];
      for (const s of this.pending) if (compounds === null || compounds.has(s.compound)) changes.push(s);
      if (changes.length === 0) continue;
      this.counters.batches++;
      this.counters.changes += changes.length;
      // The live status objects, uncopied: a broadcast is encoded at once, inside emit (no connection-state
      // recovery keeps packets for later).
      this.io.to(room).emit('devices', { ts, changes });
    }
    this.pending.clear();
  }
}
