import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import type { Broker } from '../broker/broker.js';
import type { Rejections } from '../features/rejections/rejections.js';

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
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  app.addHook('onClose', async () => loop.disable());

  app.get('/api/health', async () => {
    return {
      status: 'ok',
      version: s.version,
      uptimeS: Math.round((Date.now() - s.startedAt) / 1000),
      mqtt: { clients: s.broker.connectedClients, port: s.broker.tcpPort },
    };
  });

  app.get('/api/metrics', async () => {
    const mem = process.memoryUsage();
    const metrics = s.metrics();
    return {
      mqtt: { clients: s.broker.connectedClients, ...s.broker.counters },
      ...metrics,
      rejections: { total: s.rejections.total, byCode: s.rejections.byCode, ...s.rejections.counters },
      process: { rssBytes: mem.rss, heapUsedBytes: mem.heapUsed, ...(metrics.process as object | undefined) },
      eventLoopDelayMs: {
        p50: Math.round(loop.percentile(50) / 1e4) / 100,
        p99: Math.round(loop.percentile(99) / 1e4) / 100,
        max: Math.round(loop.max / 1e4) / 100,
      },
    };
  });

  app.get('/api/rejections', async () => ({
    total: s.rejections.total,
    byCode: s.rejections.byCode,
    recent: s.rejections.recent(),
  }));
}
