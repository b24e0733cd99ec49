/**
 * The HTTP layer: fastify with the API routes and the dashboard's static files. Each route plugin gets
 * what it needs through its options; nothing is decorated onto the instance.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { installErrorHandling } from './errors.js';

export const DASHBOARD_DIR = fileURLToPath(new URL('../../../dashboard/dist/', import.meta.url));

export function createHttp(config: Config['http'], log: Logger): FastifyInstance {
  const app: FastifyInstance = Fastify({
    // Per-request logs only at warn and above: thousands of dashboard polls are not news.
    loggerInstance: log.child({ module: 'http' }, { level: log.levelVal > 40 ? log.level : 'warn' }) as FastifyBaseLogger,
    bodyLimit: config.bodyLimitBytes,
    // On stop, close idle keep-alive connections (browsers keep them open) instead of waiting for them.
    forceCloseConnections: 'idle',
    ajv: {
      // Reject unknown properties with a message instead of silently dropping them; no type coercion of bodies.
      customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: true, allErrors: true },
    },
  });
  installErrorHandling(app);
  return app;
}

/** The dashboard's static files (after the API routes, so /api/* never falls through to them). */
export async function registerDashboard(app: FastifyInstance): Promise<void> {
  if (existsSync(DASHBOARD_DIR)) {
    await app.register(fastifyStatic, { root: DASHBOARD_DIR, prefix: '/', index: ['index.html'], wildcard: true });
  } else {
    app.get('/', async (_req, reply) =>
      reply.type('text/plain; charset=utf-8').send('caideng controller: the dashboard is not built (npm run build -w dashboard)'),
    );
  }
}
