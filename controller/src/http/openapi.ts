/**
 * The API's OpenAPI document, generated from the route schemas (@fastify/swagger) and served offline:
 * `GET /api/openapi.json`, and a browsable page at `/api/docs` (swagger-ui's files ship in its npm package).
 */
import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { PROTOCOL_VERSION } from '@caideng/protocol';

export interface ApiRoute {
  method: string;
  url: string;
}

const routes = new WeakMap<FastifyInstance, ApiRoute[]>();

/** Records the documented /api routes of `app` (all but hidden ones), so a test can hold the document to them. */
export function trackRoutes(app: FastifyInstance): void {
  const list: ApiRoute[] = [];
  routes.set(app, list);
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/') || (route.schema as { hide?: boolean } | undefined)?.hide) return;
    for (const method of [route.method].flat()) if (method !== 'HEAD') list.push({ method, url: route.url });
  });
}

export function apiRoutes(app: FastifyInstance): readonly ApiRoute[] {
  return routes.get(app) ?? [];
}

export function registerOpenApi(app: FastifyInstance): void {
  void app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'caideng controller API',
        version: `v${PROTOCOL_VERSION}`,
        description:
          'Lantern groups, kiosks and scenes of a county. Errors share one body (see docs/errors.md). ' +
          'Every route but the public ones needs a signed-in session (POST /api/auth/login sets the cookie; writes then send ' +
          'x-csrf-token from GET /api/auth/me) or `Authorization: Bearer <token>` with a personal API token (POST /api/tokens) ' +
          'or the operator token, which acts as an admin. What each role may do where: docs/accounts.md.',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'caideng_session', description: 'set by POST /api/auth/login' },
          bearer: { type: 'http', scheme: 'bearer', description: 'a personal API token (cdt_…), or the operator token (acts as an admin)' },
        },
      },
    },
  });
  void app.register(async (docs) => {
    docs.get('/api/openapi.json', { config: { access: { public: 'the API description' } }, schema: { hide: true } }, async () => app.swagger());
    await docs.register(swaggerUi, { routePrefix: '/api/docs', uiConfig: { deepLinking: false }, staticCSP: true });
  });
}
