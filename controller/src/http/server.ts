/**
 * The HTTP layer: fastify with the API routes and the dashboard's static files. Each route plugin gets
 * what it needs through its options; nothing is decorated onto the instance by the routes.
 * Set up here for every route: JSON-only bodies (415 otherwise), the error answers in each route's
 * documented responses, request limits per client address, and the OpenAPI document.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';
import rateLimit from '@fastify/rate-limit';
import type { Logger } from 'pino';
import { CaidengError } from '@caideng/protocol';
import type { Config } from '../config/schema.js';
import { installErrorHandling } from './errors.js';
import { registerOpenApi, trackRoutes } from './openapi.js';
import { ErrorBody } from './schemas.js';

export const DASHBOARD_DIR = fileURLToPath(new URL('../../../dashboard/dist/', import.meta.url));

/** HTTP counters for /api/metrics. */
export interface HttpCounters {
  /** Requests refused with 429, reads and writes together. */
  rateLimited: number;
  /** Of those, POST/PUT/DELETE. */
  rateLimitedMutating: number;
  /** Bodies refused with 415. */
  unsupportedMedia: number;
}

export function newHttpCounters(): HttpCounters {
  return { rateLimited: 0, rateLimitedMutating: 0, unsupportedMedia: 0 };
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const isMutating = (req: FastifyRequest) => MUTATING.has(req.method);
/** `application/json`, with or without parameters (`; charset=utf-8`). */
const JSON_TYPE = /^application\/json\s*(;|$)/i;

export function createHttp(config: Config['http'], log: Logger, counters: HttpCounters = newHttpCounters()): FastifyInstance {
  const app: FastifyInstance = Fastify({
    // Per-request logs only at warn and above: thousands of dashboard polls are not news.
    loggerInstance: log.child({ module: 'http' }, { level: log.levelVal > 40 ? log.level : 'warn' }) as FastifyBaseLogger,
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    // On stop, close idle keep-alive connections (browsers keep them open) instead of waiting for them.
    forceCloseConnections: 'idle',
    ajv: {
      // Reject unknown properties with a message instead of silently dropping them; no type coercion of bodies.
      customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: true, allErrors: true },
    },
  });
  installErrorHandling(app);
  // Answer schemas document the API; they do not shape the answers. A serializer built from them would
  // silently drop a field the schema lacks; the OpenAPI test validates real answers against them instead.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  // Only JSON bodies: fastify would parse text/plain into a string and report it as a schema error.
  app.removeContentTypeParser('text/plain');
  const requireJson = async (req: FastifyRequest) => {
    if (!JSON_TYPE.test(req.headers['content-type'] ?? '')) throw new CaidengError('CAIDENG_ERR_UNSUPPORTED_MEDIA');
  };
  // Counted on the way out: fastify's parser refuses most of them before any route code runs.
  app.addHook('onResponse', async (_req, reply) => {
    if (reply.statusCode === 415) counters.unsupportedMedia++;
  });
  trackRoutes(app);
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/')) return;
    const schema = (route.schema ??= {});
    // Every API route can answer with the one error body.
    schema.response = { ...(schema.response as object | undefined), '4xx': ErrorBody, '5xx': ErrorBody };
    if (schema.body) route.preValidation = [requireJson, ...toArray(route.preValidation)];
  });
  void app.register(rateLimit, {
    global: true,
    timeWindow: config.rateLimitWindowMs,
    // Reads and writes are counted apart, writes against the stricter limit: a dashboard's polling never
    // uses up an operator's commands, and guessing the operator token is slow.
    max: (req) => (isMutating(req) ? config.rateLimitMutatingMax : config.rateLimitMax),
    keyGenerator: (req) => `${isMutating(req) ? 'w' : 'r'}|${req.ip}`,
    // The dashboard's files and the health check (load balancers poll it) are not limited.
    allowList: (req) => !req.url.startsWith('/api/') || req.url === '/api/health',
    onExceeded: (req) => {
      counters.rateLimited++;
      if (isMutating(req)) counters.rateLimitedMutating++;
    },
    errorResponseBuilder: (_req, ctx) => new CaidengError('CAIDENG_ERR_RATE_LIMITED', [ctx.after]),
  });
  registerOpenApi(app);
  return app;
}

function toArray<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** The dashboard's static files (after the API routes, so /api/* never falls through to them). */
export async function registerDashboard(app: FastifyInstance): Promise<void> {
  if (existsSync(DASHBOARD_DIR)) {
    await app.register(fastifyStatic, { root: DASHBOARD_DIR, prefix: '/', index: ['index.html'], wildcard: true });
    // Residents' pages, no login: the courtyard kiosk's touch page (its credentials come from the admin's
    // one-time link, POST /api/kiosk-page/claim) and the public ticket page (GET /api/public/tickets/:code).
    // Each is one HTML file whatever the ids in the path; the page reads them from its address.
    const page = (file: string) => async (_req: FastifyRequest, reply: FastifyReply) => reply.header('cache-control', 'no-cache').sendFile(file);
    app.get('/kiosk/:compound/:kiosk', page('kiosk.html'));
    app.get('/t/:code', page('ticket.html'));
  } else {
    app.get('/', async (_req, reply) =>
      reply.type('text/plain; charset=utf-8').send('caideng controller: the dashboard is not built (npm run build -w dashboard)'),
    );
  }
}
