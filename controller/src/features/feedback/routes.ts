/**
 * The feedback API: presses with what was lit, the satisfaction index, alerts and their actions, tickets
 * and their actions, the public view of a ticket (`/t/{code}`), and the seed's measure. Reads need `read` on
 * the compound; alert actions `operate`; ticket actions `handle` and the ticket's level (tickets.ts).
 */
import type { FastifyInstance } from 'fastify';
import {
  AlertActionBody,
  AlertAnswer,
  AlertParams,
  AlertsAnswer,
  AlertsQuery,
  CaidengError,
  IndexAnswer,
  IndexQuery,
  MeasureAnswer,
  MeasureQuery,
  PressesAnswer,
  PressesQuery,
  PublicTicket,
  TicketActionBody,
  TicketAnswer,
  TicketParams,
  TicketsAnswer,
  TicketsQuery,
  type IndexBucketKind,
} from '@caideng/protocol';
import { compoundFilter } from '../../auth/access.js';
import { assertAllowed } from '../../auth/http.js';
import { answer, validationError } from '../../http/schemas.js';
import type { Registry } from '../../registry/registry.js';
import type { Feedback } from './feedback.js';
import { Tickets } from './tickets.js';

export interface FeedbackRoutesOptions {
  feedback: Feedback;
  tickets: Tickets;
  registry: Registry;
  now?: () => number;
}

const DAY_MS = 86_400_000;
const DEFAULT_SPAN: Record<IndexBucketKind, number> = { hour: DAY_MS, night: 30 * DAY_MS, season: 3 * 366 * DAY_MS };
const read = { action: 'read', compound: 'query' } as const;

export default async function feedbackRoutes(app: FastifyInstance, { feedback, tickets, registry, now = Date.now }: FeedbackRoutesOptions): Promise<void> {
  const knownCompound = (c: string | undefined) => {
    if (c !== undefined && !registry.compound(c)) throw new CaidengError('CAIDENG_ERR_COMPOUND_NOT_FOUND', [c]);
  };
  const range = (q: { from?: string | undefined; to?: string | undefined }, span: number) => {
    const to = q.to === undefined ? now() : Number(q.to);
    const from = q.from === undefined ? to - span : Number(q.from);
    if (from >= to) throw validationError([{ path: 'querystring/from', message: 'must be before to' }]);
    if (to - from > 3660 * DAY_MS) throw validationError([{ path: 'querystring/from', message: 'the range is longer than ten years' }]);
    return { from, to };
  };

  app.get<{ Querystring: PressesQuery }>(
    '/api/presses',
    { config: { access: read }, schema: { querystring: PressesQuery, response: { 200: answer(PressesAnswer, 'stored presses, newest first, each with what was lit') } } },
    async (req) => {
      knownCompound(req.query.compound);
      // Kiosk clocks may run a little ahead of the controller's: the default range reaches a minute past now.
      const { from, to } = range({ ...req.query, to: req.query.to ?? String(now() + 60_000) }, 7 * DAY_MS);
      const limit = Math.min(2000, req.query.limit === undefined ? 200 : Number(req.query.limit));
      return { presses: await feedback.presses({ ...(req.query.compound ? { compound: req.query.compound } : {}), from, to, limit, keep: compoundFilter(req) }) };
    },
  );

  app.get<{ Querystring: IndexQuery }>(
    '/api/feedback/index',
    { config: { access: read }, schema: { querystring: IndexQuery, response: { 200: answer(IndexAnswer, 'satisfaction index per compound and bucket (docs/feedback.md)') } } },
    async (req) => {
      knownCompound(req.query.compound);
      const by = req.query.by ?? 'hour';
      const { from, to } = range(req.query, DEFAULT_SPAN[by]);
      const keep = compoundFilter(req);
      const compounds = req.query.compound !== undefined ? [req.query.compound] : registry.county.compounds.map((c) => c.id).filter(keep);
      return feedback.index({ compounds, from, to, by });
    },
  );

  app.get<{ Querystring: AlertsQuery }>(
    '/api/alerts',
    { config: { access: read }, schema: { querystring: AlertsQuery, response: { 200: answer(AlertsAnswer, 'feedback alerts, newest first') } } },
    async (req) => {
      knownCompound(req.query.compound);
      const limit = Math.min(1000, req.query.limit === undefined ? 200 : Number(req.query.limit));
      return { alerts: await feedback.alerts({ ...(req.query.compound ? { compound: req.query.compound } : {}), state: req.query.state ?? 'all', keep: compoundFilter(req), limit }) };
    },
  );

  app.post<{ Params: AlertParams; Body: AlertActionBody }>(
    '/api/alerts/:id/actions',
    {
      config: { access: { action: 'operate', audit: 'alert.action' } },
      schema: { params: AlertParams, body: AlertActionBody, response: { 200: answer(AlertAnswer, 'the alert with the action recorded') } },
    },
    async (req) => {
      const alert = await feedback.alert(req.params.id);
      if (!alert) throw new CaidengError('CAIDENG_ERR_ALERT_NOT_FOUND', [req.params.id]);
      assertAllowed(req, 'operate', alert.compound);
      return { alert: await feedback.act(alert.id, req.body.action, req.principal!.username, req.body.level) };
    },
  );

  app.get<{ Querystring: TicketsQuery }>(
    '/api/tickets',
    { config: { access: read }, schema: { querystring: TicketsQuery, response: { 200: answer(TicketsAnswer, 'tickets, most recently changed first') } } },
    async (req) => {
      const { compound, level, state, node } = req.query;
      knownCompound(compound);
      const limit = Math.min(2000, req.query.limit === undefined ? 500 : Number(req.query.limit));
      return {
        tickets: await tickets.list({
          ...(compound ? { compound } : {}),
          ...(level ? { level } : {}),
          ...(state ? { state } : {}),
          ...(node ? { node } : {}),
          keep: compoundFilter(req),
          limit,
        }),
      };
    },
  );

  app.get<{ Params: TicketParams }>(
    '/api/tickets/:code',
    { config: { access: { action: 'read' } }, schema: { params: TicketParams, response: { 200: answer(TicketAnswer, 'the ticket with its full history') } } },
    async (req) => {
      const ticket = await tickets.get(req.params.code);
      if (!ticket) throw new CaidengError('CAIDENG_ERR_TICKET_NOT_FOUND', [req.params.code]);
      assertAllowed(req, 'read', ticket.compound);
      return { ticket };
    },
  );

  app.post<{ Params: TicketParams; Body: TicketActionBody }>(
    '/api/tickets/:code/actions',
    {
      config: { access: { action: 'handle', audit: 'ticket.action' } },
      schema: { params: TicketParams, body: TicketActionBody, response: { 200: answer(TicketAnswer, 'the ticket after the action') } },
    },
    async (req) => {
      const ticket = await tickets.get(req.params.code);
      if (!ticket) throw new CaidengError('CAIDENG_ERR_TICKET_NOT_FOUND', [req.params.code]);
      assertAllowed(req, 'handle', ticket.compound);
      return { ticket: await tickets.act(ticket.code, req.body.action, req.principal!, req.body.note) };
    },
  );

  app.get<{ Params: TicketParams }>(
    '/api/public/tickets/:code',
    {
      config: { access: { public: "a resident follows a ticket by its code: states, levels and times, no names or notes" } },
      schema: { params: TicketParams, response: { 200: answer(PublicTicket, 'the ticket without personal data') } },
    },
    async (req) => {
      const ticket = await tickets.get(req.params.code);
      if (!ticket) throw new CaidengError('CAIDENG_ERR_TICKET_NOT_FOUND', [req.params.code]);
      return Tickets.publicOf(ticket);
    },
  );

  app.get<{ Querystring: MeasureQuery }>(
    '/api/feedback/measure',
    { config: { access: { action: 'read' } }, schema: { querystring: MeasureQuery, response: { 200: answer(MeasureAnswer, '小事不出小区、难事不出社区: per node and period') } } },
    async (req) => {
      if (req.query.node !== undefined && !tickets.nodeKnown(req.query.node)) throw new CaidengError('CAIDENG_ERR_SCOPE_UNKNOWN', [req.query.node]);
      return { rows: await tickets.measure({ by: req.query.by ?? 'month', ...(req.query.node ? { node: req.query.node } : {}), keep: compoundFilter(req) }) };
    },
  );
}
