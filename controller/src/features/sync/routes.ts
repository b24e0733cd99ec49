/**
 * GET /api/sync[?compound=]: start skew per group (its last start that had a startAt) and per show, within
 * what the caller may read.
 */
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { CaidengError, Id, SyncReport } from '@caideng/protocol';
import { answer } from '../../http/schemas.js';
import { compoundFilter } from '../../auth/access.js';
import type { Registry } from '../../registry/registry.js';
import type { SyncMonitor } from './syncMonitor.js';

export interface SyncRoutesOptions {
  sync: SyncMonitor;
  registry: Registry;
}

const SyncQuery = Type.Object({ compound: Type.Optional(Id) }, { additionalProperties: false });
type SyncQuery = Type.Static<typeof SyncQuery>;

export default async function syncRoutes(app: FastifyInstance, { sync, registry }: SyncRoutesOptions): Promise<void> {
  app.get<{ Querystring: SyncQuery }>(
    '/api/sync',
    {
      config: { access: { action: 'read', compound: 'query' } },
      schema: { querystring: SyncQuery, response: { 200: answer(SyncReport, "each group's last start skew and the recent shows' distribution, newest first") } },
    },
    async (req) => {
      const { compound } = req.query;
      if (compound && !registry.compound(compound)) throw new CaidengError('CAIDENG_ERR_COMPOUND_NOT_FOUND', [compound]);
      const visible = compoundFilter(req);
      const inScope = compound ? (c: string) => c === compound && visible(c) : visible;
      const report: SyncReport = { ts: Date.now(), groups: sync.groupSkews(inScope), shows: sync.showSkews(inScope) };
      return report;
    },
  );
}
