/**
 * The history API: time series, energy and cost, burn hours and the groups that report faults most, for
 * one compound (`compound=`) or for every compound the caller may read. `format=csv` on /api/history
 * exports the same points as CSV.
 */
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import {
  CaidengError,
  EnergyAnswer,
  EnergyQuery,
  GroupFigures,
  GroupFiguresQuery,
  HistoryAnswer,
  HistoryQuery,
  Id,
  PressView,
  type HistoryLevel,
} from '@caideng/protocol';
import { compoundFilter } from '../../auth/access.js';
import { answer, validationError } from '../../http/schemas.js';
import type { Registry } from '../../registry/registry.js';
import { BUCKET_MS, levelFor } from './catalog.js';
import { festivalSeason } from './energy.js';
import type { Metrics } from './metrics.js';

export interface MetricsRoutesOptions {
  metrics: Metrics;
  registry: Registry;
  /** The latest stored presses, newest first (the kiosk feature's). */
  recentPresses: (limit: number, compound?: string) => Promise<PressView[]>;
  /** The clock (tests). */
  now?: () => number;
}

const HistoryCsvQuery = Type.Interface([HistoryQuery], { format: Type.Optional(Type.Enum(['json', 'csv'], { description: 'csv: `ts,time,value` lines' })) }, { additionalProperties: false });
type HistoryCsvQuery = Type.Static<typeof HistoryCsvQuery>;

const UNITS = { power: 'W', energy: 'kWh', online: 'share', satisfaction: 'presses' } as const;
/** Longest range of one query: ten years of daily buckets. */
const MAX_RANGE_MS = 3660 * 86_400_000;
const read = { action: 'read', compound: 'query' } as const;

const PressesQuery = Type.Object(
  {
    compound: Type.Optional(Id),
    limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,2}$', description: 'presses in the answer, default 50, at most 200' })),
  },
  { additionalProperties: false },
);
type PressesQuery = Type.Static<typeof PressesQuery>;

export default async function metricsRoutes(app: FastifyInstance, { metrics, registry, recentPresses, now = Date.now }: MetricsRoutesOptions): Promise<void> {
  const range = (q: { compound?: string | undefined; from?: string | undefined; to?: string | undefined }, path = 'querystring') => {
    if (q.compound !== undefined && !registry.compound(q.compound)) throw new CaidengError('CAIDENG_ERR_COMPOUND_NOT_FOUND', [q.compound]);
    const to = q.to === undefined ? now() : Number(q.to);
    const from = q.from === undefined ? to - 86_400_000 : Number(q.from);
    if (from >= to) throw validationError([{ path: `${path}/from`, message: 'must be before to' }]);
    if (to - from > MAX_RANGE_MS) throw validationError([{ path: `${path}/from`, message: 'the range is longer than ten years' }]);
    return { from, to };
  };

  /** A series over a time range, `[ts, value]` per bucket, the resolution chosen from the range. */
  app.get<{ Querystring: HistoryCsvQuery }>(
    '/api/history',
    {
      config: { access: read },
      schema: {
        description: 'A time series of a group, a compound or the county. `format=csv` answers text/csv with the same points.',
        querystring: HistoryCsvQuery,
        response: { 200: answer(HistoryAnswer, 'the series') },
      },
    },
    async (req, reply) => {
      const q = req.query;
      const { from, to } = range(q);
      if (q.group !== undefined && (q.compound === undefined || !registry.compound(q.compound)?.groups.some((g) => g.id === q.group))) {
        throw new CaidengError('CAIDENG_ERR_GROUP_NOT_FOUND', [q.group, q.compound ?? '']);
      }
      const level: HistoryLevel = q.level ?? levelFor(from, to);
      if ((to - from) / BUCKET_MS[level] > 10_000) throw validationError([{ path: 'querystring/level', message: 'more than 10000 buckets: choose a coarser level' }]);
      const result = await metrics.history({ series: q.series, compound: q.compound, group: q.group, button: q.button, from, to, level, keep: compoundFilter(req) });
      if (q.format === 'csv') {
        const lines = ['ts,time,value', ...result.points.map(([t, v]) => `${t},${new Date(t).toISOString()},${v}`)];
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="caideng-${q.series}-${q.compound ?? 'county'}-${from}-${to}.csv"`)
          .send(`${lines.join('\n')}\n`);
      }
      return { series: q.series, level: result.level, bucketMs: BUCKET_MS[result.level], from, to, unit: UNITS[q.series], points: result.points };
    },
  );

  /** Energy and cost over a range (or a festival season), per night. */
  app.get<{ Querystring: EnergyQuery }>(
    '/api/energy',
    {
      config: { access: read },
      schema: {
        description: 'kWh and cost of a compound or the county, per night (noon to noon local time), at the configured tariff',
        querystring: EnergyQuery,
        response: { 200: answer(EnergyAnswer, 'energy and cost') },
      },
    },
    async (req) => {
      const q = req.query;
      const season = q.season === undefined ? null : festivalSeason(Number(q.season));
      const { from, to } = season ?? range(q);
      if (season && q.compound !== undefined) range({ compound: q.compound, from: String(from), to: String(to) });
      const report = await metrics.energyOf({ compound: q.compound, from, to, keep: compoundFilter(req) });
      return { ...(q.compound !== undefined ? { compound: q.compound } : {}), from, to, ...report };
    },
  );

  const figures = (what: 'burn' | 'faults', path: string, description: string) =>
    app.get<{ Querystring: GroupFiguresQuery }>(
      path,
      { config: { access: read }, schema: { description, querystring: GroupFiguresQuery, response: { 200: answer(GroupFigures, description) } } },
      async (req) => {
        const { from, to } = range(req.query);
        const limit = req.query.limit === undefined ? 10 : Number(req.query.limit);
        const groups = await metrics.perGroup(what, { compound: req.query.compound, from, to, limit, keep: compoundFilter(req) });
        return { from, to, unit: what === 'burn' ? 'h' : 'reports', groups };
      },
    );
  /** The latest kiosk presses, newest first: the dashboard's feed is filled from here when a page opens. */
  app.get<{ Querystring: PressesQuery }>(
    '/api/history/presses',
    {
      config: { access: read },
      schema: { querystring: PressesQuery, response: { 200: answer(Type.Array(PressView), 'the latest stored presses, newest first') } },
    },
    async (req) => {
      const { compound } = req.query;
      if (compound !== undefined && !registry.compound(compound)) throw new CaidengError('CAIDENG_ERR_COMPOUND_NOT_FOUND', [compound]);
      const limit = Math.min(200, req.query.limit === undefined ? 50 : Number(req.query.limit));
      const keep = compoundFilter(req);
      // A caller who sees only some compounds gets theirs: ask for more, then narrow.
      const rows = await recentPresses(compound === undefined ? limit * 4 : limit, compound);
      return rows.filter((p) => keep(p.compound)).slice(0, limit);
    },
  );

  figures('burn', '/api/history/burn-hours', 'hours each lantern group was lit over the range, largest first');
  figures('faults', '/api/history/faulty-groups', 'the lantern groups that reported faults most over the range');
}
