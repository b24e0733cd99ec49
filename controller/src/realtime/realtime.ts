/**
 * Live push to browsers over socket.io. A viewer joins one room per compound; device changes are
 * coalesced per device and sent at most once per `batchMs` per compound, so a burst of telemetry costs
 * the browser one message, not thousands. Compound summaries go out once a second.
 */
import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import type { ClientToServerEvents, DeviceStatus, ServerToClientEvents } from '@caideng/protocol';
import { Feature, type FeatureContext } from '../features/feature.js';
import type { DeviceState } from '../features/devices/deviceState.js';
import type { Registry } from '../registry/registry.js';

const SUMMARY_ROOM = 'summaries';

export class Realtime extends Feature {
  io: Server<ClientToServerEvents, ServerToClientEvents> | null = null;
  private pending = new Map<string, Map<string, DeviceStatus>>();
  private timer: NodeJS.Timeout | null = null;
  private summaryTimer: NodeJS.Timeout | null = null;
  readonly counters = { batches: 0, changes: 0 };

  constructor(
    ctx: FeatureContext,
    private readonly httpServer: HttpServer,
    private readonly registry: Registry,
    private readonly state: DeviceState,
  ) {
    super(ctx, 'realtime');
  }

  override async start(): Promise<void> {
    const io = new Server<ClientToServerEvents, ServerToClientEvents>(this.httpServer, {
      path: '/socket.io',
      serveClient: false,
      // Other upgrade paths (MQTT over WebSocket) belong to the broker; do not destroy them.
      destroyUpgrade: false,
      maxHttpBufferSize: 64 * 1024,
    });
    this.io = io;
    io.on('connection', (socket) => {
      socket.on('subscribe', async (compounds, ack) => {
        const all = this.registry.county.compounds.map((c) => c.id);
        const wanted = compounds === '*' ? all : Array.isArray(compounds) ? compounds.filter((c) => typeof c === 'string') : [];
        const unknown = wanted.filter((c) => !this.registry.compound(c));
        if (unknown.length > 0) {
          ack?.({ ok: false, compounds: [], error: `unknown compound(s): ${unknown.join(', ')}` });
          return;
        }
        // A new subscription replaces the previous one.
        for (const room of socket.rooms) if (room.startsWith('compound:')) await socket.leave(room);
        await socket.join([...wanted.map((c) => `compound:${c}`), SUMMARY_ROOM]);
        const set = new Set(wanted);
        socket.emit('snapshot', {
          ts: Date.now(),
          devices: this.state.list().filter((d) => set.has(d.compound)),
          summaries: this.state.summaries(),
        });
        ack?.({ ok: true, compounds: wanted });
      });
    });
    const { bus } = this.ctx;
    bus.on('state.changed', this, ({ status }) => {
      // Nobody watching this compound: nothing to batch (a new viewer gets a snapshot).
      if (!io.sockets.adapter.rooms.has(`compound:${status.compound}`)) return;
      let m = this.pending.get(status.compound);
      if (!m) this.pending.set(status.compound, (m = new Map()));
      m.set(`${status.kind}/${status.id}`, status);
    });
    bus.on('press.stored', this, ({ press }) => {
      const { receivedAt: _r, ...view } = press;
      io.to(`compound:${press.compound}`).emit('press', view);
    });
    const batchMs = this.ctx.config.realtime.batchMs;
    this.timer = setInterval(() => this.flush(), Math.max(batchMs, 5));
    this.summaryTimer = setInterval(() => {
      if (!io.sockets.adapter.rooms.has(SUMMARY_ROOM)) return;
      io.to(SUMMARY_ROOM).emit('summaries', { ts: Date.now(), summaries: this.state.summaries() });
    }, 1000);
  }

  /** Device changes waiting for the next batch. */
  get queued(): number {
    let n = 0;
    for (const m of this.pending.values()) n += m.size;
    return n;
  }

  override async stop(): Promise<void> {
    if (!this.io && !this.timer) return; // already stopped (the controller stops it early)
    await super.stop();
    if (this.timer) clearInterval(this.timer);
    if (this.summaryTimer) clearInterval(this.summaryTimer);
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

  private flush(): void {
    if (!this.io || this.pending.size === 0) return;
    const ts = Date.now();
    const pending = this.pending;
    this.pending = new Map();
    for (const [compound, changes] of pending) {
      const list: DeviceStatus[] = [];
      for (const s of changes.values()) list.push({ ...s });
      this.counters.batches++;
      this.counters.changes += list.length;
      this.io.to(`compound:${compound}`).emit('devices', { ts, changes: list });
    }
  }
}
