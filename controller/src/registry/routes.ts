import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import {
  CaidengError,
  CompoundInfo,
  CompoundSummary,
  CountyInfo,
  DeviceStatus,
  KioskInfo,
  LanternGroupInfo,
  STATE_PAGE_DEFAULT,
  STATE_PAGE_MAX,
  StatePage,
} from '@caideng/protocol';
import { CompoundParams, StateQuery, answer, validationError } from '../http/schemas.js';
import type { Registry } from './registry.js';
import { compoundKeys } from './deviceKeys.js';
import type { DeviceState } from '../features/devices/deviceState.js';
import { compoundFilter } from '../auth/access.js';

export interface CountyRoutesOptions {
  registry: Registry;
  state: DeviceState;
}

const closed = { additionalProperties: false } as const;

const CompoundListEntry = Type.Interface([Type.Omit(CompoundInfo, ['groups', 'kiosks', 'bridges']), CompoundSummary], {}, closed);
const CompoundDetail = Type.Interface(
  [Type.Omit(CompoundInfo, ['groups', 'kiosks'])],
  {
    groups: Type.Array(Type.Interface([LanternGroupInfo], { status: Type.Optional(DeviceStatus) }, closed)),
    kiosks: Type.Array(Type.Interface([KioskInfo], { status: Type.Optional(DeviceStatus) }, closed)),
    summary: CompoundSummary,
  },
  closed,
);

/** The registry tree and the live view of its compounds and devices. */
export default async function countyRoutes(app: FastifyInstance, { registry, state }: CountyRoutesOptions): Promise<void> {
  /**
   * The registry tree: city, county, streets, communities, compounds with groups and kiosks. A caller
   * whose scope is narrower than the county gets the branches that lead to their compounds only.
   */
  app.get('/api/county', { config: { access: { action: 'read' } }, schema: { response: { 200: answer(CountyInfo, 'the registry tree (within your scope)') } } }, async (req) => {
    const county = registry.county;
    if (!req.visibleCompounds) return county;
    const inScope = compoundFilter(req);
    const streets = county.streets
      .map((s) => ({
        ...s,
        communities: s.communities.map((c) => ({ ...c, compounds: c.compounds.filter(inScope) })).filter((c) => c.compounds.length > 0),
      }))
      .filter((s) => s.communities.length > 0);
    return { ...county, streets, compounds: county.compounds.filter((c) => inScope(c.id)) };
  });

  /** Every compound with its live summary (groups online, faults, watts). */
  app.get('/api/compounds', { config: { access: { action: 'read' } }, schema: { response: { 200: answer(Type.Array(CompoundListEntry), 'every compound in your scope with its live summary') } } }, async (req) => {
    const summaries = new Map(state.summaries().map((s) => [s.id, s]));
    const inScope = compoundFilter(req);
    return registry.county.compounds.filter((c) => inScope(c.id)).map((c) => {
      const { groups: _g, kiosks: _k, bridges: _b, ...info } = c;
      const sum = summaries.get(c.id)!;
      return { ...info, ...sum, id: c.id };
    });
  });

  /** One compound: registry entries joined with their live status. */
  app.get<{ Params: CompoundParams }>(
    '/api/compounds/:compound',
    { config: { access: { action: 'read', compound: 'param' } }, schema: { params: CompoundParams, response: { 200: answer(CompoundDetail, 'the compound, each device with its live status') } } },
    async (req) => {
      const c = registry.compound(req.params.compound);
      if (!c) throw new CaidengError('CAIDENG_ERR_COMPOUND_NOT_FOUND', [req.params.compound]);
      return {
        ...c,
        groups: c.groups.map((g) => ({ ...g, status: state.get(`${c.id}/group/${g.id}`) })),
        kiosks: c.kiosks.map((k) => ({ ...k, status: state.get(`${c.id}/kiosk/${k.id}`) })),
        summary: state.summaries().find((s) => s.id === c.id),
      };
    },
  );

  const listing = deviceListing(registry);

  /**
   * Live status of every device (optionally of one compound), a page at a time in registry order: a
   * city of 40,000 devices is not one answer. Follow `next` until it is absent.
   */
  app.get<{ Querystring: StateQuery }>(
    '/api/state',
    {
      config: { access: { action: 'read', compound: 'query' } },
      schema: { querystring: StateQuery, response: { 200: answer(StatePage, `a page of live device status (${STATE_PAGE_DEFAULT} devices unless limit says otherwise)`) } },
    },
    async (req) => {
      const { compound, cursor } = req.query;
      const inScope = compoundFilter(req);
      const limit = req.query.limit === undefined ? STATE_PAGE_DEFAULT : Number(req.query.limit);
      if (limit > STATE_PAGE_MAX) throw validationError([{ path: 'querystring/limit', message: `must be <= ${STATE_PAGE_MAX}` }]);
      if (compound && !registry.compound(compound)) throw new CaidengError('CAIDENG_ERR_COMPOUND_NOT_FOUND', [compound]);
      // A narrower scope than the county: its compounds' devices, in registry order.
      const keys = compound ? compoundKeys(registry, compound) : req.visibleCompounds ? scopedKeys(registry, inScope) : listing().keys;
      let start = 0;
      if (cursor !== undefined) {
        start = compound || req.visibleCompounds ? keys.indexOf(cursor) : (listing().index.get(cursor) ?? -1);
        if (start < 0) throw new CaidengError('CAIDENG_ERR_BAD_CURSOR', [cursor]);
      }
      const end = Math.min(keys.length, start + limit);
      const devices: DeviceStatus[] = [];
      for (let i = start; i < end; i++) {
        const s = state.get(keys[i]!);
        if (s) devices.push(s);
      }
      const page: StatePage = { ts: Date.now(), devices, summaries: cursor === undefined ? state.summaries().filter((s) => inScope(s.id)) : [] };
      if (end < keys.length) page.next = keys[end]!;
      return page;
    },
  );
}

function scopedKeys(registry: Registry, inScope: (compound: string) => boolean): string[] {
  return registry.county.compounds.filter((c) => inScope(c.id)).flatMap((c) => compoundKeys(registry, c.id));
}

/** Every device key in registry order with its position, built once per registry load. */
function deviceListing(registry: Registry): () => { keys: string[]; index: Map<string, number> } {
  let built: { county: unknown; keys: string[]; index: Map<string, number> } | null = null;
  return () => {
    if (built?.county !== registry.county) {
      const keys = registry.county.compounds.flatMap((c) => compoundKeys(registry, c.id));
      built = { county: registry.county, keys, index: new Map(keys.map((k, i) => [k, i])) };
    }
    return built;
  };
}
