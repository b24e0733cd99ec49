import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { Broker } from '../broker/broker.js';
import { parseDeviceUsername } from '@caideng/protocol';
import { RECENT_MAX, type Rejections } from '../features/rejections/rejections.js';
import { compoundFilter } from '../auth/access.js';
import { answer } from './schemas.js';
import { LoopDelayWindow } from './loopDelay.js';

const closed = { additionalProperties: false } as const;
const Counts = Type.Record(Type.String(), Type.Number());

const Health = Type.Object(
  {
    status: Type.Literal('ok'),
    version: Type.String(),
    uptimeS: Type.Integer({ minimum: 0 }),
    mqtt: Type.Object({ clients: Type.Integer({ minimum: 0 }), port: Type.Integer() }, closed),
  },
  closed,
);

/** Open: every feature adds its own counters (one entry each, named after it). */
const Metrics = Type.Object(
  {
    mqtt: Type.Object({ clients: Type.Integer({ minimum: 0 }) }, { additionalProperties: true }),
    http: Type.Optional(Type.Object({ rateLimited: Type.Integer(), rateLimitedMutating: Type.Integer(), unsupportedMedia: Type.Integer() }, closed)),
    realtime: Type.Optional(Type.Object({ batches: Type.Integer(), changes: Type.Integer(), queued: Type.Integer() }, { additionalProperties: true })),
    rejections: Type.Object(
      {
        total: Type.Integer(),
        byCode: Counts,
        stored: Type.Integer(),
        dropped: Type.Integer({ description: 'rejections not stored because the buffer was full' }),
        flushFailures: Type.Integer(),
        pruned: Type.Integer(),
        pruneFailures: Type.Integer(),
      },
      closed,
    ),
    process: Type.Object({ rssBytes: Type.Integer(), heapUsedBytes: Type.Integer() }, { additionalProperties: true }),
    eventLoopDelayMs: Type.Object(
      { p50: Type.Number(), p99: Type.Number(), max: Type.Number(), windowS: Type.Number({ description: 'length of the window the figures cover, s' }) },
      { ...closed, description: 'event-loop delay beyond the 10 ms sampling interval, over the last complete 10 s window' },
    ),
  },
  { additionalProperties: true },
);

const Rejection = Type.Object(
  { ts: Type.Integer(), username: Type.Union([Type.String(), Type.Null()]), topic: Type.String(), code: Type.String(), reason: Type.String() },
  closed,
);
const RejectionsAnswer = Type.Object({ total: Type.Integer(), byCode: Counts, recent: Type.Array(Rejection, { maxItems: 50 }) }, closed);

export interface HealthRoutesOptions {
  startedAt: number;
  version: string;
  broker: Broker;
  rejections: Rejections;
  /** Each feature's counters, by name, for /api/metrics. */
  metrics: () => Record<string, unknown>;
}

/** Health, metrics and the recent rejections. */
export default async function healthRoutes(app: FastifyInstance, s: HealthRoutesOptions): Promise<void> {
  // Event-loop delay shows whether the controller keeps up: a stalled loop delays every ack and push.
  const loop = new LoopDelayWindow();
  loop.start();
  app.addHook('onClose', async () => loop.stop());

  app.get('/api/health', { config: { access: { public: 'load balancers and monitors poll it' } }, schema: { response: { 200: answer(Health, 'the controller is up') } } }, async () => {
    return {
      status: 'ok',
      version: s.version,
      uptimeS: Math.round((Date.now() - s.startedAt) / 1000),
      mqtt: { clients: s.broker.connectedClients, port: s.broker.tcpPort },
    };
  });

  app.get('/api/metrics', { config: { access: { action: 'admin' } }, schema: { response: { 200: answer(Metrics, "each feature's counters, memory and event-loop delay") } } }, async () => {
    const mem = process.memoryUsage();
    const metrics = s.metrics();
    return {
      mqtt: { clients: s.broker.connectedClients, ...s.broker.counters },
      ...metrics,
      rejections: { total: s.rejections.total, byCode: s.rejections.byCode, ...s.rejections.counters },
      process: { rssBytes: mem.rss, heapUsedBytes: mem.heapUsed, ...(metrics.process as object | undefined) },
      eventLoopDelayMs: loop.read(),
    };
  });

  /** County-wide counts for whoever reads the whole county; a narrower scope gets its compounds' latest, counted. */
  app.get(
    '/api/rejections',
    { config: { access: { action: 'read' } }, schema: { response: { 200: answer(RejectionsAnswer, 'bus messages refused, by code, and the latest 50') } } },
    async (req) => {
      if (!req.visibleCompounds) return { total: s.rejections.total, byCode: s.rejections.byCode, recent: s.rejections.recent() };
      const inScope = compoundFilter(req);
      const recent = s.rejections.recent(RECENT_MAX).filter((r) => {
        const compound = r.username ? parseDeviceUsername(r.username)?.compound : r.topic.split('/')[2];
        return compound !== undefined && inScope(compound);
      });
      const byCode: Record<string, number> = {};
      for (const r of recent) byCode[r.code] = (byCode[r.code] ?? 0) + 1;
      return { total: recent.length, byCode, recent: recent.slice(0, 50) };
    },
  );
}
