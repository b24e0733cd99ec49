import type { FastifyInstance } from 'fastify';
import { CaidengError } from '@caideng/protocol';
import { CompoundParams, StateQuery } from '../http/schemas.js';
import type { Registry } from './registry.js';
import type { DeviceState } from '../features/devices/deviceState.js';

export interface CountyRoutesOptions {
  registry: Registry;
  state: DeviceState;
}

/** The registry tree and the live view of its compounds and devices. */
export default async function countyRoutes(app: FastifyInstance, { registry, state }: CountyRoutesOptions): Promise<void> {
  /** The whole registry tree: city, county, streets, communities, compounds with groups and kiosks. */
  app.get('/api/county', async () => registry.county);

  /** Every compound with its live summary (groups online, faults, watts). */
  app.get('/api/compounds', async () => {
    const summaries = new Map(state.summaries().map((s) => [s.id, s]));
    return registry.county.compounds.map((c) => {
      const { groups: _g, kiosks: _k, bridges: _b, ...info } = c;
      const sum = summaries.get(c.id)!;
      return { ...info, ...sum, id: c.id };
    });
  });

  /** One compound: registry entries joined with their live status. */
  app.get<{ Params: CompoundParams }>('/api/compounds/:compound', { schema: { params: CompoundParams } }, async (req) => {
    const c = registry.compound(req.params.compound);
    if (!c) throw new CaidengError('CAIDENG_ERR_COMPOUND_NOT_FOUND', [req.params.compound]);
    return {
      ...c,
      groups: c.groups.map((g) => ({ ...g, status: state.get(`${c.id}/group/${g.id}`) })),
      kiosks: c.kiosks.map((k) => ({ ...k, status: state.get(`${c.id}/kiosk/${k.id}`) })),
      summary: state.summaries().find((s) => s.id === c.id),
    };
  });

  /** Live status of every device (optionally of one compound). */
  app.get<{ Querystring: StateQuery }>(
    '/api/state',
    { schema: { querystring: StateQuery } },
    async (req) => {
      const compound = req.query.compound;
      if (compound && !registry.compound(compound)) throw new CaidengError('CAIDENG_ERR_COMPOUND_NOT_FOUND', [compound]);
      return { ts: Date.now(), devices: state.list(compound), summaries: state.summaries() };
    },
  );
}
