/**
 * Tickets and the five-level chain: 灯坏了 (broken lantern) and 求助 (help) presses, and alerts nobody
 * handles, open tickets owned by the compound. Each level has a deadline in business time (working hours,
 * working days, China's holidays and 调休); an unhandled ticket climbs compound → community → street →
 * county → city when its deadline passes, on the durable deadlines (a restart neither loses nor doubles a
 * step); acting on it at its level stops the climb; waiting states pause the clock. docs/feedback.md has
 * the states, levels and rules. Every change is one history entry, published on `ticket.changed` and to
 * the kiosk's retained `status` topic.
 */
import { randomInt } from 'node:crypto';
import {
  CaidengError,
  LEVELS,
  PROTOCOL_VERSION,
  type AlertView,
  type Level,
  type MeasureRow,
  type PressView,
  type PublicTicket,
  type TicketAction,
  type TicketHistoryEntry,
  type TicketKind,
  type TicketState,
  type TicketView,
} from '@caideng/protocol';
import { Feature, type FeatureContext } from '../feature.js';
import type { Registry } from '../../registry/registry.js';
import type { Deadlines } from '../deadlines/deadlines.js';
import type { BusPublisher } from '../../broker/ports.js';
import type { TelemetryRow } from '../../bus/eventBus.js';
import type { Principal } from '../../auth/access.js';
import { festivalSeason } from '../metrics/energy.js';
import { BusinessCalendar } from './businessCalendar.js';
import type { TicketTable } from '../../store/schema.js';

const CODE_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
/** States in which no one at the level has acted yet: the deadline escalates. */
const UNHANDLED: ReadonlySet<TicketState> = new Set(['open', 'reopened']);
const WAITING: ReadonlySet<TicketState> = new Set(['waiting_resident', 'waiting_parts']);
const DONE: ReadonlySet<TicketState> = new Set(['resolved', 'closed']);
const STATUS_TICKETS = 5;

/** Where the ticket feature finds alerts (the feedback feature). */
export interface AlertDirectory {
  alert(id: string): Promise<AlertView | null>;
  markTicketed(id: string, code: string): Promise<void>;
}

interface EscalatePayload {
  code: string;
  level: Level;
  deadlineAt: number;
}
interface WarnPayload {
  code: string;
  level: Level;
  warnAt: number;
}

export function nextLevel(level: Level): Level | null {
  return LEVELS[LEVELS.indexOf(level) + 1] ?? null;
}
export function previousLevel(level: Level): Level | null {
  const i = LEVELS.indexOf(level);
  return i > 0 ? LEVELS[i - 1]! : null;
}

/** The transitions a person may make: action → states it may start from, and the state it leads to. */
const TRANSITIONS: Partial<Record<TicketAction, { from: ReadonlySet<TicketState>; to: TicketState }>> = {
  acknowledge: { from: new Set(['open', 'reopened']), to: 'acknowledged' },
  start: { from: new Set(['open', 'reopened', 'acknowledged', 'waiting_resident', 'waiting_parts']), to: 'in_progress' },
  wait_resident: { from: new Set(['open', 'reopened', 'acknowledged', 'in_progress', 'waiting_parts']), to: 'waiting_resident' },
  wait_parts: { from: new Set(['open', 'reopened', 'acknowledged', 'in_progress', 'waiting_resident']), to: 'waiting_parts' },
  resolve: { from: new Set(['open', 'reopened', 'acknowledged', 'in_progress', 'waiting_resident', 'waiting_parts']), to: 'resolved' },
  close: { from: new Set(['open', 'reopened', 'acknowledged', 'in_progress', 'waiting_resident', 'waiting_parts', 'resolved']), to: 'closed' },
  reopen: { from: new Set(['resolved', 'closed']), to: 'reopened' },
};

export interface TicketFilter {
  level?: Level;
  state?: TicketState;
  node?: string;
  compound?: string;
  keep: (compound: string) => boolean;
  limit: number;
}

export class Tickets extends Feature {
  readonly calendar: BusinessCalendar;
  /** Ticket changes run one at a time: a press, a deadline and a person never interleave on one ticket. */
  private chain: Promise<unknown> = Promise.resolve();
  /** Compounds with a live broken-lantern ticket: telemetry from elsewhere costs no query. */
  private brokenCompounds = new Set<string>();
  readonly counters = { opened: 0, merged: 0, escalated: 0, warnings: 0 };

  constructor(
    ctx: FeatureContext,
    private readonly registry: Registry,
    private readonly deadlines: Deadlines,
    private readonly broker: BusPublisher,
    private readonly alerts: AlertDirectory,
    private readonly now: () => number = Date.now,
  ) {
    super(ctx, 'tickets');
    this.calendar = new BusinessCalendar(ctx.config.feedback.workingHours);
  }

  override async start(): Promise<void> {
    const { bus } = this.ctx;
    await this.refreshBroken();
    this.deadlines.handle<EscalatePayload>('ticket.escalate', ({ payload }) => this.serial(() => this.onDeadline(payload)));
    this.deadlines.handle<WarnPayload>('ticket.warn', ({ payload }) => this.serial(() => this.onWarn(payload)));
    this.deadlines.handle<{ alert: string }>('alert.ticket', ({ payload }) => this.serial(() => this.onAlertUnhandled(payload.alert)));
    bus.on('feedback.press', this, ({ press }) => this.serial(() => this.onPress(press)));
    bus.on('feedback.alert', this, ({ alert }) => {
      const key = `alert-ticket/${alert.id}`;
      if (alert.state === 'open' && alert.actions.length === 0) {
        return this.deadlines.schedule({ kind: 'alert.ticket', key, dueAt: alert.raisedAt + this.ctx.config.feedback.alertTicketAfterMs, payload: { alert: alert.id } });
      }
      if (alert.state !== 'ticketed') return void this.deadlines.cancel(key);
    });
    bus.on('telemetry.batch', this, ({ rows }) => this.serial(() => this.onTelemetry(rows)));
    // The broker's retained messages end with the process: a kiosk coming online gets its status again.
    bus.on('availability.changed', this, ({ compound, kind, id, online }) => {
      if (kind === 'kiosk' && online) return this.publishStatus(compound, id, true);
    });
  }

  override async stop(): Promise<void> {
    await super.stop();
    await this.chain.catch(() => undefined);
  }

  /** Waits for the ticket changes in progress (tests). */
  settled(): Promise<unknown> {
    return this.chain.catch(() => undefined);
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.chain.then(work, work);
    this.chain = run.catch((err: unknown) => this.log.error({ err }, 'ticket change failed'));
    return run;
  }

  // --- opening --------------------------------------------------------------------------------

  private async onPress(press: PressView): Promise<void> {
    if (press.repeat || press.misuse) return;
    if (press.button !== 'broken_lantern' && press.button !== 'help') return;
    const kind: TicketKind = press.button;
    const at = this.now();
    // A broken lantern belongs to the group that reports a failure, when one does.
    const failing = kind === 'broken_lantern' ? (press.lit.groups.find((g) => g.faults.includes('lamp_failure')) ?? press.lit.groups.find((g) => g.faults.length > 0)) : undefined;
    const group = failing?.group ?? null;
    let q = this.ctx.db
      .selectFrom('tickets')
      .selectAll()
      .where('compound_id', '=', press.compound)
      .where('kind', '=', kind)
      .where('state', 'not in', ['resolved', 'closed'])
      .where('updated_at', '>', at - this.ctx.config.feedback.mergeWindowMs);
    // With a failing group: that group's ticket, or this kiosk's ticket that no group was known for yet (the
    // earlier press came before the fault was reported). Without one: this kiosk's ticket.
    q =
      group !== null
        ? q.where((eb) => eb.or([eb('group_id', '=', group), eb.and([eb('kiosk_id', '=', press.kiosk), eb('group_id', 'is', null)])]))
        : q.where('kiosk_id', '=', press.kiosk);
    const open = await q.orderBy('updated_at', 'desc').executeTakeFirst();
    let ticket: TicketView;
    let change: TicketHistoryEntry;
    if (open) {
      ticket = viewOf(open);
      ticket.count++;
      change = { at, by: 'system', action: 'merge', note: `press ${press.id}` };
      ticket.history.push(change);
      if (group !== null && ticket.group === undefined) {
        ticket.group = group;
        if (failing?.faults.includes('lamp_failure') && !ticket.confirmed) {
          ticket.confirmed = 'telemetry';
          ticket.history.push((change = { at, by: 'system', action: 'confirm', note: `group ${group} reports lamp_failure` }));
        }
      }
      ticket.updatedAt = at;
      this.counters.merged++;
    } else {
      ticket = await this.create({ compound: press.compound, kiosk: press.kiosk, ...(group !== null ? { group } : {}), kind }, at);
      change = ticket.history[0]!;
      if (failing?.faults.includes('lamp_failure')) {
        ticket.confirmed = 'telemetry';
        ticket.history.push((change = { at, by: 'system', action: 'confirm', note: `group ${group} reports lamp_failure` }));
      }
    }
    await this.save(ticket);
    if (!open) await this.armClock(ticket);
    await this.ctx.db
      .updateTable('kiosk_presses')
      .set({ ticket: ticket.code })
      .where('compound_id', '=', press.compound)
      .where('kiosk_id', '=', press.kiosk)
      .where('seq', '=', press.seq)
      .where('boot', '=', press.boot ?? '')
      .where('device_ts', '=', press.deviceTs)
      .execute();
    await this.announce(ticket, change);
  }

  private async onAlertUnhandled(id: string): Promise<void> {
    const alert = await this.alerts.alert(id);
    if (!alert || alert.state !== 'open') return;
    const existing = await this.ctx.db.selectFrom('tickets').select('code').where('alert_id', '=', id).executeTakeFirst();
    if (existing) return this.alerts.markTicketed(id, existing.code);
    const at = this.now();
    const ticket = await this.create({ compound: alert.compound, ...(alert.kiosk ? { kiosk: alert.kiosk } : {}), ...(alert.kind === 'broken_with_fault' && alert.groups[0] ? { group: alert.groups[0] } : {}), kind: 'alert', alert: id }, at);
    await this.save(ticket);
    await this.armClock(ticket);
    await this.alerts.markTicketed(id, ticket.code);
    await this.announce(ticket, ticket.history[0]!);
  }

  /** A new ticket at the compound, its clock started (not yet stored). */
  private async create(t: { compound: string; kiosk?: string; group?: string; kind: TicketKind; alert?: string }, at: number): Promise<TicketView> {
    const code = await this.newCode(t.compound);
    const ticket: TicketView = {
      code,
      compound: t.compound,
      ...(t.kiosk ? { kiosk: t.kiosk } : {}),
      ...(t.group ? { group: t.group } : {}),
      kind: t.kind,
      state: 'open',
      level: 'compound',
      node: t.compound,
      count: 1,
      openedAt: at,
      updatedAt: at,
      deadlineAt: null,
      warnAt: null,
      confirmed: null,
      proposal: null,
      ...(t.alert ? { alert: t.alert } : {}),
      history: [{ at, by: 'system', action: 'open', toState: 'open', toLevel: 'compound' }],
    };
    hideWorkFields(ticket, null, null);
    this.startClock(ticket, at);
    this.counters.opened++;
    await this.ctx.db.insertInto('tickets').values(rowOf(ticket, { levelSince: at })).execute();
    return ticket;
  }

  private async newCode(compound: string): Promise<string> {
    const prefix = compound
      .split('-')
      .map((p) => p[0]!.toUpperCase())
      .join('')
      .replace(/[^A-Z]/g, '')
      .slice(0, 3) || 'T';
    for (;;) {
      let code = `${prefix}-`;
      for (let i = 0; i < 4; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
      const taken = await this.ctx.db.selectFrom('tickets').select('code').where('code', '=', code).executeTakeFirst();
      if (!taken) return code;
    }
  }

  // --- the clock -------------------------------------------------------------------------------

  /** Business-time length of a level's deadline: `deadlineHours` / 24 working days. Null at the city (it stays there). */
  levelMs(level: Level): number | null {
    if (level === 'city') return null;
    return Math.round((this.ctx.config.feedback.deadlineHours[level] / 24) * this.calendar.dayMs);
  }

  /** Starts the level's clock from `at` with `remaining` business ms (the whole deadline by default). */
  private startClock(t: TicketView, at: number, remaining?: number): void {
    const full = this.levelMs(t.level);
    delete t.pausedAt;
    if (full === null) {
      t.deadlineAt = null;
      t.warnAt = null;
      return;
    }
    const left = remaining ?? full;
    t.deadlineAt = this.calendar.add(at, left);
    const warnLeft = left - (1 - this.ctx.config.feedback.warnShare) * full;
    t.warnAt = warnLeft > 0 ? this.calendar.add(at, Math.round(warnLeft)) : null;
  }

  private async armClock(t: TicketView): Promise<void> {
    if (t.deadlineAt === null) {
      await this.deadlines.cancel(`ticket/${t.code}/escalate`);
      await this.deadlines.cancel(`ticket/${t.code}/warn`);
      return;
    }
    await this.deadlines.schedule<EscalatePayload>({ kind: 'ticket.escalate', key: `ticket/${t.code}/escalate`, dueAt: t.deadlineAt, payload: { code: t.code, level: t.level, deadlineAt: t.deadlineAt } });
    if (t.warnAt !== null) await this.deadlines.schedule<WarnPayload>({ kind: 'ticket.warn', key: `ticket/${t.code}/warn`, dueAt: t.warnAt, payload: { code: t.code, level: t.level, warnAt: t.warnAt } });
    else await this.deadlines.cancel(`ticket/${t.code}/warn`);
  }

  /**
   * A level's deadline passed. Idempotent: a deadline for a level the ticket has left (a second run after
   * a crash between the escalation and the next schedule) only makes sure the current level's is armed.
   */
  private async onDeadline(p: EscalatePayload): Promise<void> {
    const row = await this.row(p.code);
    if (!row) return;
    const t = viewOf(row);
    if (t.level !== p.level || t.deadlineAt !== p.deadlineAt) {
      if (!DONE.has(t.state) && t.deadlineAt !== null && t.deadlineAt !== p.deadlineAt) await this.armClock(t);
      return;
    }
    if (!UNHANDLED.has(t.state)) {
      // Acting at the level stopped the climb; the deadline still passed, and the history says so.
      const change: TicketHistoryEntry = { at: p.deadlineAt, by: 'system', action: 'overdue', fromLevel: t.level, toLevel: t.level };
      t.history.push(change);
      t.deadlineAt = null;
      t.warnAt = null;
      t.updatedAt = this.now();
      await this.save(t);
      return this.announce(t, change);
    }
    const to = nextLevel(t.level);
    if (!to) return;
    const change = this.moveTo(t, to, p.deadlineAt, 'system', 'escalate', 'the deadline passed');
    this.counters.escalated++;
    await this.save(t, p.deadlineAt);
    await this.armClock(t);
    this.log.info({ code: t.code, from: p.level, to }, 'ticket escalated: its deadline passed');
    await this.announce(t, change);
  }

  private async onWarn(p: WarnPayload): Promise<void> {
    const row = await this.row(p.code);
    if (!row) return;
    const t = viewOf(row);
    if (t.level !== p.level || t.warnAt !== p.warnAt || DONE.has(t.state)) return;
    const change: TicketHistoryEntry = { at: p.warnAt, by: 'system', action: 'warn', note: `${Math.round(this.ctx.config.feedback.warnShare * 100)}% of the ${t.level} deadline has passed` };
    t.history.push(change);
    t.updatedAt = this.now();
    this.counters.warnings++;
    await this.save(t);
    await this.announce(t, change);
  }

  /** Moves a ticket to another level: owner node, state open (that level has not acted yet), the level's clock. */
  private moveTo(t: TicketView, to: Level, at: number, by: string, action: string, note: string): TicketHistoryEntry {
    const change: TicketHistoryEntry = { at, by, action, fromState: t.state, toState: 'open', fromLevel: t.level, toLevel: to, note };
    t.level = to;
    t.node = this.nodeOf(t.compound, to);
    t.state = 'open';
    t.updatedAt = at;
    t.history.push(change);
    this.startClock(t, at);
    return change;
  }

  /** The registry node owning a compound's ticket at a level. */
  nodeOf(compound: string, level: Level): string {
    const c = this.registry.compound(compound);
    if (!c) return compound;
    switch (level) {
      case 'compound':
        return c.id;
      case 'community':
        return c.community;
      case 'street':
        return c.street;
      case 'county':
        return this.registry.county.county.id;
      case 'city':
        return this.registry.county.city.id;
    }
  }

  /** Whether `id` is a node of the registry tree. */
  nodeKnown(id: string): boolean {
    const county = this.registry.county;
    return county.city.id === id || county.county.id === id || this.registry.compound(id) !== undefined || county.streets.some((s) => s.id === id || s.communities.some((c) => c.id === id));
  }

  private nodeName(id: string): string {
    const county = this.registry.county;
    if (county.city.id === id) return county.city.name;
    if (county.county.id === id) return county.county.name;
    for (const s of county.streets) {
      if (s.id === id) return s.name;
      for (const c of s.communities) if (c.id === id) return c.name;
    }
    return this.registry.compound(id)?.name ?? id;
  }

  /** The levels a person acts at for a compound: the levels of their scope nodes that cover it (admins: all). */
  levelsOf(principal: Principal, compound: string): Level[] {
    if (principal.role === 'admin') return [...LEVELS];
    const out = new Set<Level>();
    for (const scope of principal.scopes) {
      for (const level of LEVELS) if (this.nodeOf(compound, level) === scope) out.add(level);
    }
    return LEVELS.filter((l) => out.has(l));
  }

  // --- people ----------------------------------------------------------------------------------

  act(code: string, action: TicketAction, by: Principal, note: string | undefined): Promise<TicketView> {
    return this.serial(async () => {
      const row = await this.row(code);
      if (!row) throw new CaidengError('CAIDENG_ERR_TICKET_NOT_FOUND', [code]);
      const t = viewOf(row);
      const mine = this.levelsOf(by, t.compound);
      if (!mine.includes(t.level)) {
        throw new CaidengError('CAIDENG_ERR_TICKET_LEVEL', [code, t.level, this.nodeName(t.node), mine.length > 0 ? mine.join('/') : 'no']);
      }
      if ((action === 'escalate' || action === 'return' || action === 'comment') && !note) throw new CaidengError('CAIDENG_ERR_TICKET_NOTE_REQUIRED', [action]);
      const at = this.now();
      let change: TicketHistoryEntry;
      if (action === 'comment') {
        change = { at, by: by.username, action, note: note! };
        t.history.push(change);
      } else if (action === 'escalate' || action === 'return') {
        if (DONE.has(t.state)) throw new CaidengError('CAIDENG_ERR_TICKET_TRANSITION', [code, t.state, action]);
        const to = action === 'escalate' ? nextLevel(t.level) : previousLevel(t.level);
        if (!to) throw new CaidengError('CAIDENG_ERR_TICKET_TRANSITION', [code, `at the ${t.level} level`, action]);
        change = this.moveTo(t, to, at, by.username, action, note!);
      } else {
        const rule = TRANSITIONS[action]!;
        if (!rule.from.has(t.state)) throw new CaidengError('CAIDENG_ERR_TICKET_TRANSITION', [code, t.state, action]);
        const from = t.state;
        change = { at, by: by.username, action, fromState: from, toState: rule.to, ...(note ? { note } : {}) };
        t.history.push(change);
        t.state = rule.to;
        if (WAITING.has(rule.to) && !WAITING.has(from)) this.pause(t, at);
        else if (WAITING.has(from) && !WAITING.has(rule.to) && !DONE.has(rule.to)) this.resume(t, at);
        if (DONE.has(rule.to)) {
          t.deadlineAt = null;
          t.warnAt = null;
          delete t.pausedAt;
          t.proposal = null;
        }
        if (action === 'reopen') this.startClock(t, at);
      }
      t.updatedAt = at;
      const moved = action === 'escalate' || action === 'return';
      await this.save(t, moved ? at : undefined);
      await this.armClock(t);
      await this.announce(t, change);
      return t;
    });
  }

  /** Waiting stops the clock: the business time left is kept. */
  private pause(t: TicketView, at: number): void {
    const remaining = t.deadlineAt === null ? null : this.calendar.between(at, t.deadlineAt);
    t.pausedAt = at;
    (t as TicketView & { remainingMs?: number | null }).remainingMs = remaining;
    t.deadlineAt = null;
    t.warnAt = null;
  }

  private resume(t: TicketView, at: number): void {
    const remaining = (t as TicketView & { remainingMs?: number | null }).remainingMs;
    delete t.pausedAt;
    if (remaining === null || remaining === undefined) return this.startClock(t, at);
    this.startClock(t, at, remaining);
  }

  // --- telemetry: broken lanterns confirm themselves ----------------------------------------

  private async refreshBroken(): Promise<void> {
    const rows = await this.ctx.db.selectFrom('tickets').select('compound_id').distinct().where('kind', '=', 'broken_lantern').where('state', 'not in', ['resolved', 'closed']).execute();
    this.brokenCompounds = new Set(rows.map((r) => r.compound_id));
  }

  private async onTelemetry(rows: readonly TelemetryRow[]): Promise<void> {
    // Only compounds with a live broken-lantern ticket matter.
    const compounds = [...new Set(rows.map((r) => r.compound).filter((c) => this.brokenCompounds.has(c)))];
    if (compounds.length === 0) return;
    const live = await this.ctx.db
      .selectFrom('tickets')
      .selectAll()
      .where('kind', '=', 'broken_lantern')
      .where('state', 'not in', ['resolved', 'closed'])
      .where('compound_id', 'in', compounds)
      .execute();
    if (live.length === 0) return;
    const at = this.now();
    const healthyMs = this.ctx.config.feedback.healthyForMinutes * 60_000;
    const latest = new Map<string, TelemetryRow>();
    for (const r of rows) latest.set(`${r.compound}/${r.group}`, r);
    for (const row of live) {
      const t = viewOf(row);
      const candidates = t.group ? [latest.get(`${t.compound}/${t.group}`)].filter((r): r is TelemetryRow => r !== undefined) : [...latest.values()].filter((r) => r.compound === t.compound && r.faults.includes('lamp_failure'));
      const r = candidates[0];
      if (!r) continue;
      let change: TicketHistoryEntry | null = null;
      if (r.faults.includes('lamp_failure')) {
        if (!t.group) t.group = r.group;
        if (t.confirmed !== 'telemetry') change = { at, by: 'system', action: 'confirm', note: `group ${r.group} reports lamp_failure` };
        t.confirmed = 'telemetry';
        if (t.proposal) change ??= { at, by: 'system', action: 'withdraw_proposal', note: `group ${r.group} reports lamp_failure again` };
        t.proposal = null;
        (t as TicketWork).healthySince = null;
      } else if (t.confirmed === 'telemetry' && !t.proposal) {
        const since = (t as TicketWork).healthySince ?? at;
        (t as TicketWork).healthySince = since;
        if (at - since >= healthyMs) {
          t.proposal = 'resolve';
          change = { at, by: 'system', action: 'propose_resolve', note: `group ${t.group} healthy for ${this.ctx.config.feedback.healthyForMinutes} minutes` };
        }
      } else continue;
      if (change) {
        t.history.push(change);
        t.updatedAt = at;
      }
      await this.save(t);
      if (change) await this.announce(t, change);
    }
  }

  // --- store -----------------------------------------------------------------------------------

  private row(code: string): Promise<TicketTable | undefined> {
    return this.ctx.db.selectFrom('tickets').selectAll().where('code', '=', code).executeTakeFirst();
  }

  private async save(t: TicketView, levelSince?: number): Promise<void> {
    const { code: _code, ...update } = rowOf(t, { levelSince: levelSince ?? null });
    const { level_since, ...rest } = update;
    await this.ctx.db
      .updateTable('tickets')
      .set(level_since === null ? rest : { ...rest, level_since })
      .where('code', '=', t.code)
      .execute();
  }

  private async announce(t: TicketView, change: TicketHistoryEntry): Promise<void> {
    if (t.kind === 'broken_lantern') {
      if (!DONE.has(t.state)) this.brokenCompounds.add(t.compound);
      else await this.refreshBroken();
    }
    this.ctx.bus.emit('ticket.changed', { ticket: t, change });
    if (t.kiosk) await this.publishStatus(t.compound, t.kiosk);
  }

  /** The kiosk's retained `status`: its latest tickets, newest first. */
  async publishStatus(compound: string, kiosk: string, onlyIfAny = false): Promise<void> {
    const rows = await this.ctx.db
      .selectFrom('tickets')
      .select(['code', 'state', 'level', 'updated_at'])
      .where('compound_id', '=', compound)
      .where('kiosk_id', '=', kiosk)
      .orderBy('updated_at', 'desc')
      .limit(STATUS_TICKETS)
      .execute();
    if (onlyIfAny && rows.length === 0) return;
    await this.broker
      .publish(
        { compound, role: 'kiosk', device: kiosk },
        'status',
        {
          v: PROTOCOL_VERSION,
          ts: this.now(),
          tickets: rows.map((r) => ({ code: r.code, state: r.state as TicketState, level: r.level as Level, updatedAt: Number(r.updated_at) })),
        },
        true,
      )
      .catch((err: unknown) => this.log.warn({ err, compound, kiosk }, 'could not publish the kiosk status'));
  }

  // --- reading ---------------------------------------------------------------------------------

  async get(code: string): Promise<TicketView | null> {
    const row = await this.row(code.toUpperCase());
    return row ? viewOf(row) : null;
  }

  async list(f: TicketFilter): Promise<TicketView[]> {
    await this.settled();
    let q = this.ctx.db.selectFrom('tickets').selectAll();
    if (f.compound !== undefined) q = q.where('compound_id', '=', f.compound);
    if (f.level !== undefined) q = q.where('level', '=', f.level);
    if (f.state !== undefined) q = q.where('state', '=', f.state);
    if (f.node !== undefined) q = q.where('node', '=', f.node);
    const rows = await q.orderBy('updated_at', 'desc').limit(f.compound === undefined ? f.limit * 4 : f.limit).execute();
    return rows.filter((r) => f.keep(r.compound_id)).slice(0, f.limit).map(viewOf);
  }

  /** What anyone with the code may see: states, levels and times; no usernames, no notes. */
  static publicOf(t: TicketView): PublicTicket {
    return {
      code: t.code,
      kind: t.kind,
      state: t.state,
      level: t.level,
      openedAt: t.openedAt,
      updatedAt: t.updatedAt,
      history: t.history
        .filter((h) => h.action !== 'comment')
        .map((h) => ({
          at: h.at,
          action: h.action,
          ...(h.fromState ? { fromState: h.fromState } : {}),
          ...(h.toState ? { toState: h.toState } : {}),
          ...(h.fromLevel ? { fromLevel: h.fromLevel } : {}),
          ...(h.toLevel ? { toLevel: h.toLevel } : {}),
        })),
    };
  }

  /**
   * The seed's measure, 小事不出小区、难事不出社区: per node (compound, community, street, county) and period,
   * the share of tickets settled at the compound and by the community at the latest, the median time to the
   * first action and to resolution at each level, and how many reached the street, the county and the city.
   */
  async measure(q: { by: 'month' | 'season'; node?: string; keep: (compound: string) => boolean }): Promise<MeasureRow[]> {
    const rows = await this.ctx.db.selectFrom('tickets').selectAll().execute();
    const county = this.registry.county;
    const nodes: Array<{ id: string; level: MeasureRow['level']; compounds: string[] }> = [
      ...county.compounds.map((c) => ({ id: c.id, level: 'compound' as const, compounds: [c.id] })),
      ...county.streets.flatMap((s) => s.communities.map((c) => ({ id: c.id, level: 'community' as const, compounds: c.compounds }))),
      ...county.streets.map((s) => ({ id: s.id, level: 'street' as const, compounds: s.communities.flatMap((c) => c.compounds) })),
      { id: county.county.id, level: 'county' as const, compounds: county.compounds.map((c) => c.id) },
    ];
    const under = q.node === undefined ? null : new Set(nodes.find((n) => n.id === q.node)?.compounds ?? []);
    const visible = nodes.filter((n) => n.compounds.length > 0 && n.compounds.every(q.keep) && (under === null || n.compounds.every((c) => under.has(c))));
    const facts = rows.map((r) => factsOf(viewOf(r)));
    const out: MeasureRow[] = [];
    for (const n of visible) {
      const mine = new Set(n.compounds);
      const byPeriod = new Map<string, TicketFacts[]>();
      for (const f of facts) {
        if (!mine.has(f.compound)) continue;
        const period = q.by === 'month' ? monthOf(f.openedAt) : seasonOf(f.openedAt);
        if (period === null) continue;
        let list = byPeriod.get(period);
        if (!list) byPeriod.set(period, (list = []));
        list.push(f);
      }
      for (const [period, list] of [...byPeriod].sort(([a], [b]) => a.localeCompare(b))) {
        const settled = (max: Level) => list.filter((f) => f.settled && LEVELS.indexOf(f.highest) <= LEVELS.indexOf(max)).length / list.length;
        const perLevel = (pick: (f: TicketFacts, l: Level) => number | undefined) =>
          Object.fromEntries(LEVELS.map((l) => [l, median(list.map((f) => pick(f, l)).filter((v): v is number => v !== undefined))])) as MeasureRow['medianFirstActionMs'];
        const reached = (l: Level) => list.filter((f) => LEVELS.indexOf(f.highest) >= LEVELS.indexOf(l)).length;
        out.push({
          node: n.id,
          level: n.level,
          period,
          tickets: list.length,
          settledAtCompound: round3(settled('compound')),
          settledByCommunity: round3(settled('community')),
          medianFirstActionMs: perLevel((f, l) => f.firstAction[l]),
          medianResolutionMs: perLevel((f, l) => f.resolution[l]),
          reachedStreet: reached('street'),
          reachedCounty: reached('county'),
          reachedCity: reached('city'),
        });
      }
    }
    return out;
  }
}

type TicketWork = TicketView & { healthySince?: number | null; remainingMs?: number | null };

interface TicketFacts {
  compound: string;
  openedAt: number;
  highest: Level;
  settled: boolean;
  firstAction: Partial<Record<Level, number>>;
  resolution: Partial<Record<Level, number>>;
}

/** What the measure needs of one ticket, read from its history. */
export function factsOf(t: TicketView): TicketFacts {
  let level: Level = 'compound';
  let arrived = t.openedAt;
  let highest: Level = 'compound';
  const firstAction: Partial<Record<Level, number>> = {};
  const resolution: Partial<Record<Level, number>> = {};
  for (const h of t.history) {
    if (h.toLevel && h.toLevel !== level && (h.action === 'escalate' || h.action === 'return')) {
      level = h.toLevel;
      arrived = h.at;
      if (LEVELS.indexOf(level) > LEVELS.indexOf(highest)) highest = level;
      continue;
    }
    if (h.by !== 'system' && firstAction[level] === undefined) firstAction[level] = h.at - arrived;
    if (h.action === 'resolve' && resolution[level] === undefined) resolution[level] = h.at - arrived;
  }
  return { compound: t.compound, openedAt: t.openedAt, highest, settled: t.state === 'resolved' || t.state === 'closed', firstAction, resolution };
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : Math.round((s[mid - 1]! + s[mid]!) / 2);
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;

function monthOf(t: number): string {
  const d = new Date(t + 8 * 3_600_000);
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

function seasonOf(t: number): string | null {
  const y = new Date(t + 8 * 3_600_000).getUTCFullYear();
  for (const year of [y, y + 1]) {
    const s = festivalSeason(year);
    if (t >= s.from && t < s.to) return `season-${year}`;
  }
  return null;
}

function rowOf(t: TicketView, o: { levelSince: number | null }): TicketTable {
  const w = t as TicketWork;
  return {
    code: t.code,
    compound_id: t.compound,
    kiosk_id: t.kiosk ?? null,
    group_id: t.group ?? null,
    kind: t.kind,
    state: t.state,
    level: t.level,
    node: t.node,
    count: t.count,
    opened_at: t.openedAt,
    updated_at: t.updatedAt,
    level_since: o.levelSince as number,
    deadline_at: t.deadlineAt,
    warn_at: t.warnAt,
    paused_at: t.pausedAt ?? null,
    remaining_ms: w.remainingMs ?? null,
    confirmed: t.confirmed ?? null,
    proposal: t.proposal ?? null,
    healthy_since: w.healthySince ?? null,
    alert_id: t.alert ?? null,
    history_json: JSON.stringify(t.history),
  };
}

function viewOf(r: TicketTable): TicketView {
  const t: TicketWork = {
    code: r.code,
    compound: r.compound_id,
    ...(r.kiosk_id ? { kiosk: r.kiosk_id } : {}),
    ...(r.group_id ? { group: r.group_id } : {}),
    kind: r.kind as TicketKind,
    state: r.state as TicketState,
    level: r.level as Level,
    node: r.node,
    count: Number(r.count),
    openedAt: Number(r.opened_at),
    updatedAt: Number(r.updated_at),
    deadlineAt: r.deadline_at === null ? null : Number(r.deadline_at),
    warnAt: r.warn_at === null ? null : Number(r.warn_at),
    ...(r.paused_at !== null ? { pausedAt: Number(r.paused_at) } : {}),
    confirmed: r.confirmed === 'telemetry' ? 'telemetry' : null,
    proposal: r.proposal === 'resolve' ? 'resolve' : null,
    ...(r.alert_id ? { alert: r.alert_id } : {}),
    history: JSON.parse(r.history_json) as TicketHistoryEntry[],
  };
  hideWorkFields(t, r.remaining_ms === null ? null : Number(r.remaining_ms), r.healthy_since === null ? null : Number(r.healthy_since));
  return t;
}

/** Working fields (not part of the view) are kept on the object but hidden from JSON and socket.io. */
function hideWorkFields(t: TicketView, remainingMs: number | null, healthySince: number | null): void {
  Object.defineProperty(t, 'remainingMs', { value: remainingMs, writable: true, enumerable: false });
  Object.defineProperty(t, 'healthySince', { value: healthySince, writable: true, enumerable: false });
}
