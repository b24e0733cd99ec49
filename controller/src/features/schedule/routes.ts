/**
 * The scheduler over HTTP: rules (read: `read`; programme rules need `operate` on every compound they
 * target, county rules and limits — curfew, quiet hours, budget — need `govern`; an area target needs the
 * caller's reach to cover every compound under it), the resolved plan, the Chinese calendar, overrides
 * ("play X for N minutes": `operate`; `breakCurfew` needs `govern` and is audited as `override.curfew`),
 * the residents' iCalendar and the demo clock. Routes declare the weakest action any caller of them needs;
 * the handler checks the rest per target once the body says what it targets.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { CaidengError } from '@caideng/protocol';
import { calendarYear, priorityOf, resolveAt, validateRule, type RuleBody } from '@caideng/scenes';
import { answer, CompoundParams, validationError } from '../../http/schemas.js';
import { assertAllowed } from '../../auth/http.js';
import { authorize, compoundFilter } from '../../auth/access.js';
import type { AuditLog } from '../../auth/audit.js';
import type { Registry } from '../../registry/registry.js';
import type { SceneLibrary } from '../scenes/sceneLibrary.js';
import type { ScopeTree } from '../../auth/scopes.js';
import { actionForRule, type Scheduler } from './scheduler.js';
import type { StoredRule } from './ruleStore.js';
import { compoundCalendar } from './ics.js';
import {
  CalendarAnswer,
  CalendarQuery,
  ClockAnswer,
  IcsAnswer,
  OverrideBody,
  OverrideCreated,
  OverrideList,
  OverrideParams,
  PlanAnswer,
  PlanQuery,
  RuleCheck,
  RuleList,
  RuleParams,
  RuleSaved,
  RulesQuery,
  RuleView,
  ScheduleNowAnswer,
} from './schemas.js';

export interface ScheduleRoutesOptions {
  scheduler: Scheduler;
  registry: Registry;
  scenes: SceneLibrary;
  audit: AuditLog;
  tree: () => ScopeTree;
}

const DAY = 86_400_000;
const PLAN_DEFAULT_MS = 14 * DAY;
const PLAN_MAX_MS = 62 * DAY;
const ICS_DAYS = 60;

export default async function scheduleRoutes(app: FastifyInstance, { scheduler, registry, scenes, audit, tree }: ScheduleRoutesOptions): Promise<void> {
  /** A rule body checked by the scenes library's schema and rules; 400 with each problem at its JSON pointer. */
  const validBody = (body: unknown): RuleBody => {
    const v = validateRule(body);
    if (!v.ok) throw validationError(v.errors);
    const rule = body as RuleBody;
    const problems: Array<{ path: string; message: string }> = [];
    (rule.target.compounds ?? []).forEach((c, i) => {
      if (!registry.compound(c)) problems.push({ path: `/target/compounds/${i}`, message: `no compound '${c}'` });
    });
    (rule.target.areas ?? []).forEach((a, i) => {
      const node = tree().node(a);
      if (!node || node.level === 'compound') problems.push({ path: `/target/areas/${i}`, message: `no area '${a}' (a community, street, county or city id)` });
    });
    const only = rule.target.compounds?.length === 1 ? registry.compound(rule.target.compounds[0]!) : undefined;
    (rule.target.groups ?? []).forEach((g, i) => {
      if (only && !only.groups.some((x) => x.id === g)) problems.push({ path: `/target/groups/${i}`, message: `no group '${g}' in compound '${only.id}'` });
    });
    if (problems.length > 0) throw validationError(problems);
    return rule;
  };

  /** 403 unless the caller may set this kind of rule on every compound it targets. */
  const assertMaySet = (req: FastifyRequest, body: RuleBody) => {
    const action = actionForRule(body);
    for (const c of scheduler.compoundsOf(body.target)) assertAllowed(req, action, c);
  };

  const maySet = (req: FastifyRequest, body: RuleBody) => {
    const reach = req.reach;
    if (!reach) return false;
    const action = actionForRule(body);
    return scheduler.compoundsOf(body.target).every((c) => authorize(reach, action, c));
  };

  const view = (req: FastifyRequest, s: StoredRule) => ({
    ...s.rule,
    createdBy: s.createdBy,
    updatedAt: s.updatedAt,
    editable: maySet(req, s.rule),
    warnings: scheduler.warningsOf(s.rule),
  });

  /** Whether the caller may read at least one compound the rule targets. */
  const mayRead = (req: FastifyRequest, s: StoredRule) => {
    const visible = compoundFilter(req);
    return scheduler.compoundsOf(s.rule.target).some(visible);
  };

  const bodyOf = (s: StoredRule): RuleBody => {
    const { id: _id, revision: _rev, ...body } = s.rule;
    return body;
  };

  app.get<{ Querystring: RulesQuery }>(
    '/api/rules',
    {
      config: { access: { action: 'read', compound: 'query' } },
      schema: { querystring: RulesQuery, response: { 200: answer(RuleList, 'the rules touching the compounds the caller may read (or the one asked for)') } },
    },
    async (req) => {
      const only = req.query.compound;
      const rules = scheduler
        .listRules()
        .filter((s) => mayRead(req, s) && (!only || scheduler.compoundsOf(s.rule.target).includes(only)))
        .map((s) => view(req, s));
      return { rules };
    },
  );

  app.post(
    '/api/rules',
    {
      config: { access: { action: 'read', audit: 'rule.create' } },
      schema: { description: 'Body: a RuleBody (see docs/schedule.md). Programme rules need operate, county rules and limits govern, on every target.', response: { 201: answer(RuleSaved, 'the stored rule and its warnings (they never block a save)') } },
    },
    async (req, reply) => {
      const body = validBody(req.body);
      assertMaySet(req, body);
      const { stored, warnings } = await scheduler.createRule(body, req.principal!.username);
      return reply.code(201).send({ rule: view(req, stored), warnings });
    },
  );

  app.post(
    '/api/rules/check',
    {
      config: { access: { action: 'read', audit: 'rule.check' } },
      schema: { description: 'Body: a RuleBody. Nothing is stored: the warnings a save would report, or the errors by JSON pointer.', response: { 200: answer(RuleCheck, 'warnings (conflicts, never fires, hidden by curfew, …) and validation errors') } },
    },
    async (req) => {
      const v = validateRule(req.body);
      if (!v.ok) return { warnings: [], errors: v.errors };
      try {
        const body = validBody(req.body);
        return { warnings: scheduler.check(body), errors: [] };
      } catch (err) {
        if (err instanceof CaidengError && err.code === 'CAIDENG_ERR_VALIDATION') return { warnings: [], errors: err.details as Array<{ path: string; message: string }> };
        throw err;
      }
    },
  );

  app.get<{ Params: RuleParams }>(
    '/api/rules/:id',
    { config: { access: { action: 'read' } }, schema: { params: RuleParams, response: { 200: answer(RuleView, 'the rule') } } },
    async (req) => {
      const s = scheduler.getRule(req.params.id);
      if (!mayRead(req, s)) throw new CaidengError('CAIDENG_ERR_FORBIDDEN', [`read on rule '${s.rule.id}'`]);
      return view(req, s);
    },
  );

  app.put<{ Params: RuleParams }>(
    '/api/rules/:id',
    {
      config: { access: { action: 'read', audit: 'rule.update' } },
      schema: { params: RuleParams, description: 'Body: a RuleBody replacing the rule.', response: { 200: answer(RuleSaved, 'the stored rule and its warnings') } },
    },
    async (req) => {
      const body = validBody(req.body);
      const prev = scheduler.getRule(req.params.id);
      assertMaySet(req, bodyOf(prev));
      assertMaySet(req, body);
      const { stored, warnings } = await scheduler.updateRule(req.params.id, body);
      return { rule: view(req, stored), warnings };
    },
  );

  app.delete<{ Params: RuleParams }>(
    '/api/rules/:id',
    { config: { access: { action: 'read', audit: 'rule.delete' } }, schema: { params: RuleParams, response: { 204: Type.Null({ description: 'deleted' }) } } },
    async (req, reply) => {
      const prev = scheduler.getRule(req.params.id);
      assertMaySet(req, bodyOf(prev));
      await scheduler.deleteRule(req.params.id);
      return reply.code(204).send();
    },
  );

  app.get<{ Params: CompoundParams; Querystring: PlanQuery }>(
    '/api/compounds/:compound/plan',
    {
      config: { access: { action: 'read', compound: 'param' } },
      schema: {
        params: CompoundParams,
        querystring: PlanQuery,
        response: { 200: answer(PlanAnswer, 'what plays when (default the next 14 days, at most 62), which rule won each entry and why the others lost') },
      },
    },
    async (req) => {
      const { compound } = req.params;
      if (!registry.compound(compound)) throw new CaidengError('CAIDENG_ERR_COMPOUND_NOT_FOUND', [compound]);
      const now = scheduler.clock.now();
      const from = req.query.from !== undefined ? Number(req.query.from) : now;
      const to = req.query.to !== undefined ? Number(req.query.to) : from + PLAN_DEFAULT_MS;
      if (to <= from) throw validationError([{ path: 'querystring/to', message: 'must be after from' }]);
      if (to - from > PLAN_MAX_MS) throw validationError([{ path: 'querystring/to', message: 'the span is at most 62 days' }]);
      const plan = scheduler.plan(compound, from, to);
      const ids = new Set<string>();
      for (const e of plan.entries) {
        if (e.ruleId) ids.add(e.ruleId);
        for (const l of e.lost) ids.add(l.ruleId);
      }
      for (const l of plan.limits) ids.add(l.ruleId);
      const rules = [...ids].flatMap((id) => {
        const s = scheduler.listRules().find((r) => r.rule.id === id);
        if (!s) return [];
        const p = priorityOf(s.rule);
        return [{ id, name: s.rule.name, kind: s.rule.kind, priority: Number.isFinite(p) ? p : null }];
      });
      return { compound, from, to, entries: plan.entries, limits: plan.limits, warnings: plan.warnings, rules };
    },
  );

  app.get<{ Querystring: CalendarQuery }>(
    '/api/calendar',
    {
      config: { access: { public: 'calendar facts: festivals, solar terms, official holidays' } },
      schema: { querystring: CalendarQuery, response: { 200: answer(CalendarAnswer, 'the festivals, solar terms, official holidays and 调休 workdays of the year, each with its date') } },
    },
    async (req) => {
      const year = req.query.year !== undefined ? Number(req.query.year) : Number(new Date(scheduler.clock.now()).getUTCFullYear());
      return { year, entries: calendarYear(year) };
    },
  );

  app.get<{ Params: CompoundParams }>(
    '/api/compounds/:compound/calendar.ics',
    {
      config: { access: { public: "residents' phone calendars: the compound's public show times" } },
      schema: { params: CompoundParams, response: { 200: answer(IcsAnswer, 'iCalendar, the next 60 days') } },
    },
    async (req, reply) => {
      const info = registry.compound(req.params.compound);
      if (!info) throw new CaidengError('CAIDENG_ERR_COMPOUND_NOT_FOUND', [req.params.compound]);
      const now = scheduler.clock.now();
      const plan = scheduler.plan(info.id, now, now + ICS_DAYS * DAY);
      const titles = new Map((await scenes.list()).map((s) => [s.name, s.title.zh ?? s.title.en ?? s.name]));
      const text = compoundCalendar({
        compound: { id: info.id, name: info.name },
        entries: plan.entries,
        ruleName: (id) => scheduler.listRules().find((r) => r.rule.id === id)?.rule.name,
        sceneTitle: (name) => titles.get(name) ?? name,
        now,
      });
      return reply
        .type('text/calendar; charset=utf-8')
        .header('content-disposition', `inline; filename="${info.id}.ics"`)
        .send(text);
    },
  );

  app.post<{ Params: CompoundParams; Body: OverrideBody }>(
    '/api/compounds/:compound/override',
    {
      config: { access: { action: 'read', compound: 'param', audit: 'override.create' } },
      schema: {
        params: CompoundParams,
        body: OverrideBody,
        description: 'Play something now for N minutes, on top of the schedule. Needs operate on the compound; breakCurfew needs govern.',
        response: { 201: answer(OverrideCreated, 'the override; the schedule takes over again at its end') },
      },
    },
    async (req, reply) => {
      const { compound } = req.params;
      const body = req.body;
      assertAllowed(req, body.breakCurfew ? 'govern' : 'operate', compound);
      const override = await scheduler.createOverride(compound, body, req.principal!.username);
      if (body.breakCurfew) {
        void audit.record({
          principal: req.principal!,
          ip: req.ip,
          action: 'override.curfew',
          target: req.url.split('?')[0] ?? null,
          compound,
          outcome: 'ok',
          status: 201,
          detail: { override: override.id, ...body },
        });
      }
      return reply.code(201).send({ override });
    },
  );

  app.get<{ Params: CompoundParams }>(
    '/api/compounds/:compound/overrides',
    {
      config: { access: { action: 'read', compound: 'param' } },
      schema: { params: CompoundParams, response: { 200: answer(OverrideList, "the compound's overrides in force") } },
    },
    async (req) => ({ overrides: scheduler.activeOverrides(req.params.compound) }),
  );

  app.delete<{ Params: OverrideParams }>(
    '/api/compounds/:compound/overrides/:id',
    {
      config: { access: { action: 'read', compound: 'param', audit: 'override.end' } },
      schema: { params: OverrideParams, response: { 204: Type.Null({ description: 'ended: the schedule takes over now' }) } },
    },
    async (req, reply) => {
      const o = scheduler.findOverride(req.params.compound, req.params.id);
      assertAllowed(req, o.breaksCurfew ? 'govern' : 'operate', o.compound);
      await scheduler.endOverride(o.id, 'ended');
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/clock',
    {
      config: { access: { public: "the controller's clock (the demo's may be shifted and faster)" } },
      schema: { response: { 200: answer(ClockAnswer, "the controller's clock") } },
    },
    async () => scheduler.clock.view(),
  );

  app.get(
    '/api/schedule/now',
    {
      config: { access: { action: 'read' } },
      schema: { response: { 200: answer(ScheduleNowAnswer, 'what the schedule says every group of the compounds the caller may read should show now') } },
    },
    async (req) => {
      const visible = compoundFilter(req);
      const ts = scheduler.clock.now();
      const input = scheduler.input();
      const budgets = scheduler.listRules().filter((s) => s.rule.kind === 'budget' && s.rule.enabled !== false && s.rule.kwhPerNight !== undefined);
      const budgetOf = (compound: string) =>
        budgets.reduce<number | null>((m, s) => (scheduler.compoundsOf(s.rule.target).includes(compound) ? Math.min(m ?? Infinity, s.rule.kwhPerNight!) : m), null);
      const compounds = registry.county.compounds
        .filter((c) => visible(c.id))
        .map((c) => ({
          compound: c.id,
          intents: resolveAt(input, c.id, ts).map((i) => ({
            group: i.group,
            power: i.power,
            brightness: i.brightness,
            scene: i.scene,
            ruleId: i.ruleId,
            overrideId: i.overrideId,
            reason: i.reason,
            since: i.since,
            until: i.until,
          })),
          budgetKwh: budgetOf(c.id),
        }));
      return { ts, compounds };
    },
  );
}

