import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';

export default async function healthRoutes(app: FastifyInstance): Promise<void> {
  // Event-loop delay shows whether the controller keeps up: a stalled loop delays every ack and push.
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  app.addHook('onClose', async () => loop.disable());

  app.get('/api/health', async () => {
    const s = app.caideng;
    return {
      status: 'ok',
      version: s.version,
      uptimeS: Math.round((Date.now() - s.startedAt) / 1000),
      mqtt: { clients: s.broker.connectedClients, port: s.broker.tcpPort },
    };
  });

  app.get('/api/metrics', async () => {
    const s = app.caideng;
    const mem = process.memoryUsage();
    return {
      mqtt: { clients: s.broker.connectedClients, ...s.broker.counters },
      commands: s.commands.counters,
      telemetry: { stored: s.telemetry.stored },
      kiosk: s.presses.counters,
      realtime: { ...s.realtime.counters, queued: s.realtime.queued },
      rejections: { total: s.rejections.total, byCode: s.rejections.byCode },
      process: { rssBytes: mem.rss, heapUsedBytes: mem.heapUsed },
      eventLoopDelayMs: {
        p50: Math.round(loop.percentile(50) / 1e4) / 100,
        p99: Math.round(loop.percentile(99) / 1e4) / 100,
        max: Math.round(loop.max / 1e4) / 100,
      },
    };
  });

  app.get('/api/rejections', async () => ({
    total: app.caideng.rejections.total,
    byCode: app.caideng.rejections.byCode,
    recent: app.caideng.rejections.recent(),
  }));
}
