/**
 * The scheduler: keeps the rules and overrides, asks the pure resolver (`@caideng/scenes`) what every group
 * should show, and makes it so.
 *
 * - State, not edges: at start, when a group comes online, when a rule or override changes and after a
 *   clock jump, each compound is resolved for now and every online group whose reported state differs gets
 *   a command (dispatcher.ts); a group that already shows its intent gets nothing.
 * - The next change: one timer, armed `leadMs` before the earliest `until`, so the change's `startAt` is the
 *   boundary itself and every group starts on the same frame.
 * - Each compound's next `planHours` are published retained on `…/compound/-/plan` (planMessage.ts) at
 *   start, on every change and every `republishMs`, for devices to follow while the controller is gone.
 * - Curfews, quiet hours and budgets bind every command, whatever its source: `Commands` calls the guard
 *   installed here before it stores or sends anything.
 * - Overrides end through a durable deadline (`override.expire`), so an override outlives a restart and ends
 *   on time after one.
 */
import { CaidengError, compoundAddress, type GroupState } from '@caideng/protocol';
import {
  analyzeRule,
  compilePlan,
  isProgramme,
  priorityOf,
  resolveAt,
  type Intent,
  type LimitWindow,
  type Override,
  type Plan,
  type Rule,
  type RuleBody,
  type RuleWarning,
  type ScheduleInput,
  type ScheduleSceneRef as SceneRef,
  type Site,
  type SiteGroup,
} from '@caideng/scenes';
import { Feature, type FeatureContext } from '../feature.js';
import type { Registry } from '../../registry/registry.js';
import type { DeviceState } from '../devices/deviceState.js';
import type { CommandOrigin, CommandRequest, Commands } from '../commands/commands.js';
import type { BusPublisher } from '../../broker/ports.js';
import type { Deadlines } from '../deadlines/deadlines.js';
import type { SceneLibrary } from '../scenes/sceneLibrary.js';
import type { Clock } from '../../clock.js';
import type { ScopeTree } from '../../auth/scopes.js';
import { ScheduleStore, newId, type StoredOverride, type StoredRule } from './ruleStore.js';
import { dispatchFor, intentKey } from './dispatcher.js';
import { planItems, planMessages } from './planMessage.js';
import { demoProgramme } from './demoProgramme.js';
import { localTime } from './time.js';
import { WattsModel } from './watts.js';

export interface OverrideView extends Override {
  remainingMs: number;
}

export interface SchedulerDeps {
  registry: Registry;
  state: DeviceState;
  commands: Commands;
  broker: BusPublisher;
  deadlines: Deadlines;
  scenes: SceneLibrary;
  clock: Clock;
  /** The organisation tree (areas → compounds); read when needed, it is built at start. */
  tree: () => ScopeTree;
}

export interface OverrideRequest {
  scene?: SceneRef;
  power?: 'on' | 'off';
  brightness?: number;
  minutes: number;
  groups?: string[];
  breakCurfew?: boolean;
}

const HOUR = 3_600_000;
/** The horizon of the plan cache the guard reads its limits from. */
const GUARD_HORIZON_MS = 26 * HOUR;
/** How often the wall clock is checked against the monotonic clock for jumps. */
const DRIFT_CHECK_MS = 10_000;
/** Groups that come online together (a reconnect storm, a restart) are resolved once per compound. */
const ONLINE_BATCH_MS = 150;

interface CachedPlan {
  from: number;
  to: number;
  plan: Plan;
}

export class Scheduler extends Feature {
  private readonly store: ScheduleStore;
  private readonly wattsModel = new WattsModel();
  private readonly rules = new Map<string, StoredRule>();
  private readonly overrides = new Map<string, StoredOverride>();
  private readonly plans = new Map<string, CachedPlan>();
  private readonly warnings = new Map<string, RuleWarning[]>();
  /** The earliest `until` of each compound's intents, as of its last dispatch. */
  private readonly nextChange = new Map<string, number>();
  private readonly onlineBatch = new Map<string, Set<string>>();
  /** What each group (`compound/group`) was last sent and until when (wall clock) it counts as on its way. */
  private readonly inFlight = new Map<string, { key: string; until: number; commandId: string }>();
  private sites: Site[] = [];
  /** Compounds some rule targets (null: to be computed again after a change). */
  private managedSet: Set<string> | null = null;
  /** Compounds whose plan was published with items: one that stops being managed gets an empty plan once. */
  private readonly published = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private timerFor: number | null = null;
  private republishTimer: NodeJS.Timeout | null = null;
  private driftTimer: NodeJS.Timeout | null = null;
  private batchTimer: NodeJS.Timeout | null = null;
  /** Resolves when the pending batch of groups that came online is queued. */
  private batchQueued: Promise<void> = Promise.resolve();
  private unsubscribeJump: (() => void) | null = null;
  private revision = 0;
  private stopped = false;
  /** Serialises dispatch rounds: two rounds never interleave their sends. */
  private chain: Promise<void> = Promise.resolve();
  readonly counters = { dispatched: 0, commands: 0, refused: 0, plansPublished: 0, clockJumps: 0, failures: 0 };

  constructor(
    ctx: FeatureContext,
    private readonly deps: SchedulerDeps,
  ) {
    super(ctx, 'scheduler');
    this.store = new ScheduleStore(ctx.db);
  }

  get clock(): Clock {
    return this.deps.clock;
  }

  override async start(): Promise<void> {
    this.stopped = false;
    this.sites = this.buildSites();
    for (const r of await this.store.rules()) this.rules.set(r.rule.id, r);
    this.revision = Number((await this.store.meta('revision')) ?? '0');
    if (this.ctx.config.schedule.seedDemoProgramme && (await this.store.meta('demo_seeded')) === null) await this.seedDemo();
    for (const o of await this.store.activeOverrides(this.clock.now())) this.overrides.set(o.override.id, o);
    this.deps.commands.setGuard((compound, targets, request, origin) => this.guard(compound, targets, request, origin));
    this.deps.deadlines.handle<{ id: string; compound: string }>('override.expire', async ({ payload }) => {
      await this.endOverride(payload.id, 'expired');
    });
    this.ctx.bus.on('availability.changed', this, ({ compound, kind, id, online }) => {
      if (kind === 'group' && online) this.groupOnline(compound, id);
    });
    // A delivery that failed is no longer on its way: the next round may send it again.
    this.ctx.bus.on('command.settled', this, ({ delivery }) => {
      if (delivery.status === 'ok' || delivery.status === 'duplicate') return;
      const key = `${delivery.compound}/${delivery.group}`;
      if (this.inFlight.get(key)?.commandId === delivery.commandId) this.inFlight.delete(key);
    });
    this.unsubscribeJump = this.clock.onJump(() => {
      this.counters.clockJumps++;
      this.log.info({ now: this.clock.now() }, 'clock set: resolving every compound again');
      this.refreshAll('clock jump');
    });
    this.startDriftCheck();
    this.republishTimer = setInterval(() => this.refreshAll('hourly'), this.ctx.config.schedule.republishMs);
    this.republishTimer.unref();
  }

  /** Called once the broker serves: the first resolution and plans (devices that are online get theirs). */
  kickOff(): void {
    this.refreshAll('start');
  }

  override async stop(): Promise<void> {
    this.stopped = true;
    await super.stop();
    this.deps.commands.setGuard(null);
    this.unsubscribeJump?.();
    for (const t of [this.timer, this.batchTimer]) if (t) clearTimeout(t);
    this.batchQueued = Promise.resolve();
    for (const t of [this.republishTimer, this.driftTimer]) if (t) clearInterval(t);
    this.timer = this.batchTimer = this.republishTimer = this.driftTimer = null;
    await this.chain;
  }

  // --- reading -------------------------------------------------------------------------------

  input(): ScheduleInput {
    return {
      rules: [...this.rules.values()].map((r) => r.rule),
      overrides: [...this.overrides.values()].map((o) => o.override),
      sites: this.sites,
      watts: this.wattsModel.watts,
    };
  }

  listRules(): StoredRule[] {
    return [...this.rules.values()];
  }

  getRule(id: string): StoredRule {
    const r = this.rules.get(id);
    if (!r) throw new CaidengError('CAIDENG_ERR_RULE_NOT_FOUND', [id]);
    return r;
  }

  /** The save-time report of a stored rule (cached until any rule changes). */
  warningsOf(rule: Rule): RuleWarning[] {
    let w = this.warnings.get(rule.id);
    if (!w) {
      w = this.safe(() => analyzeRule(this.input(), rule, this.clock.now()), [] as RuleWarning[], 'analyzeRule');
      this.warnings.set(rule.id, w);
    }
    return w;
  }

  /** The report on a rule body not stored (or about to replace `id`). */
  check(body: RuleBody, id = 'new'): RuleWarning[] {
    const rule: Rule = { ...body, id, revision: 0 };
    const input = this.input();
    input.rules = [...input.rules.filter((r) => r.id !== id), rule];
    return analyzeRule(input, rule, this.clock.now());
  }

  /** The compounds a target covers: its compounds and every compound under its areas. */
  compoundsOf(target: RuleBody['target']): string[] {
    const out = new Set<string>(target.compounds ?? []);
    if (target.areas?.length) for (const c of this.deps.tree().compoundsOf(target.areas)) out.add(c);
    return [...out].sort();
  }

  plan(compound: string, from: number, to: number): Plan {
    return compilePlan(this.input(), compound, from, to);
  }

  activeOverrides(compound?: string): OverrideView[] {
    const now = this.clock.now();
    return [...this.overrides.values()]
      .map((o) => o.override)
      .filter((o) => (!compound || o.compound === compound) && o.until > now)
      .map((o) => ({ ...o, remainingMs: Math.max(0, o.until - now) }));
  }

  /** Resolves once the rounds queued so far (and a batch of groups that came online) are done. */
  async settled(): Promise<void> {
    await this.batchQueued;
    let chain: Promise<void>;
    do {
      chain = this.chain;
      await chain;
    } while (chain !== this.chain);
  }

  /**
   * Whether the scheduler runs a compound's lanterns: some rule (of any kind) targets it, or an override
   * holds. A compound no rule mentions is left to manual control: nothing is sent to it, no plan published.
   */
  managed(compound: string): boolean {
    if (!this.managedSet) {
      const set = new Set<string>();
      for (const r of this.rules.values()) if (r.rule.enabled !== false) for (const c of this.compoundsOf(r.rule.target)) set.add(c);
      this.managedSet = set;
    }
    if (this.managedSet.has(compound)) return true;
    for (const o of this.overrides.values()) if (o.override.compound === compound) return true;
    return false;
  }

  // --- writing -------------------------------------------------------------------------------

  async createRule(body: RuleBody, by: string): Promise<{ stored: StoredRule; warnings: RuleWarning[] }> {
    const stored = await this.store.insertRule(body, by, this.clock.now());
    this.rules.set(stored.rule.id, stored);
    await this.changed(this.compoundsOf(body.target));
    return { stored, warnings: this.warningsOf(stored.rule) };
  }

  async updateRule(id: string, body: RuleBody): Promise<{ stored: StoredRule; warnings: RuleWarning[] }> {
    const prev = this.getRule(id);
    const stored = await this.store.updateRule(prev, body, this.clock.now());
    this.rules.set(id, stored);
    await this.changed([...new Set([...this.compoundsOf(prev.rule.target), ...this.compoundsOf(body.target)])]);
    return { stored, warnings: this.warningsOf(stored.rule) };
  }

  async deleteRule(id: string): Promise<void> {
    const prev = this.getRule(id);
    await this.store.deleteRule(id);
    this.rules.delete(id);
    await this.changed(this.compoundsOf(prev.rule.target));
  }

  async createOverride(compound: string, req: OverrideRequest, by: string): Promise<OverrideView> {
    const info = this.deps.registry.compound(compound);
    if (!info) throw new CaidengError('CAIDENG_ERR_COMPOUND_NOT_FOUND', [compound]);
    for (const g of req.groups ?? []) if (!this.deps.registry.group(compound, g)) throw new CaidengError('CAIDENG_ERR_GROUP_NOT_FOUND', [g, compound]);
    if (req.scene) await this.deps.scenes.check(req.scene);
    const now = this.clock.now();
    const override: Override = {
      id: newId(),
      compound,
      ...(req.groups ? { groups: [...req.groups].sort() } : {}),
      ...(req.scene ? { scene: req.scene } : {}),
      ...(req.power ? { power: req.power } : {}),
      ...(req.brightness !== undefined ? { brightness: req.brightness } : {}),
      from: now,
      until: now + req.minutes * 60_000,
      by,
      ...(req.breakCurfew ? { breaksCurfew: true } : {}),
    };
    // Refused now rather than stored to do nothing: the limits in force say why.
    const lights = override.power !== 'off' && (override.scene !== undefined || override.power === 'on' || (override.brightness ?? 0) > 0);
    if (!override.breaksCurfew) {
      this.checkLimits(compound, now, { ...(lights ? { power: 'on' } : { power: 'off' }), ...(override.brightness !== undefined ? { brightness: override.brightness } : {}) }, false);
    }
    await this.store.insertOverride(override, now);
    this.overrides.set(override.id, { override, createdAt: now, endedAt: null });
    await this.deps.deadlines.schedule({ kind: 'override.expire', key: `override/${override.id}`, dueAt: override.until, payload: { id: override.id, compound } });
    const view = { ...override, remainingMs: override.until - now };
    this.ctx.bus.emit('override.changed', { compound, override: view });
    await this.changed([compound], false);
    return view;
  }

  /** Ends an override early (DELETE) or at its end (the deadline); false when it was not active. */
  async endOverride(id: string, why: 'ended' | 'expired'): Promise<boolean> {
    const o = this.overrides.get(id);
    const ended = await this.store.endOverride(id, this.clock.now());
    if (!o) return ended;
    this.overrides.delete(id);
    if (why === 'ended') await this.deps.deadlines.cancel(`override/${id}`);
    this.ctx.bus.emit('override.changed', { compound: o.override.compound, override: null, ended: id });
    // Back to the schedule; on a compound without one, back to what nothing scheduled means: off.
    await this.changed([o.override.compound], false, true);
    return true;
  }

  findOverride(compound: string, id: string): Override {
    const o = this.overrides.get(id)?.override;
    if (!o || o.compound !== compound || o.until <= this.clock.now()) throw new CaidengError('CAIDENG_ERR_OVERRIDE_NOT_FOUND', [id, compound]);
    return o;
  }

  // --- the limits, for every command ----------------------------------------------------------

  /** The guard Commands calls before storing or sending a command. */
  private guard(compound: string, targets: readonly string[], request: CommandRequest, origin: CommandOrigin): void {
    const at = Math.max(this.clock.now(), request.startAt ?? 0);
    try {
      this.checkLimits(compound, at, request, origin.breaksCurfew === true, targets);
    } catch (err) {
      this.counters.refused++;
      throw err;
    }
  }

  /** Throws CAIDENG_ERR_CURFEW / _QUIET_HOURS / _BUDGET when a limit in force at `at` forbids the request. */
  checkLimits(compound: string, at: number, request: Pick<CommandRequest, 'power' | 'brightness' | 'scene'>, breaksCurfew: boolean, targets?: readonly string[]): void {
    if (breaksCurfew) return;
    const lights = request.power === 'on' || request.scene !== undefined || (request.power === undefined && (request.brightness ?? 0) > 0);
    if (request.power === 'off' && request.scene === undefined) return;
    for (const limit of this.limitsAt(compound, at)) {
      const rule = this.rules.get(limit.ruleId)?.rule;
      const name = rule?.name ?? limit.ruleId;
      const until = localTime(limit.end, this.ctx.config.timezone);
      if (limit.kind === 'curfew' && lights) throw new CaidengError('CAIDENG_ERR_CURFEW', [name, limit.ruleId, until], { ruleId: limit.ruleId, until: limit.end });
      if (limit.kind === 'budget' && request.brightness !== undefined) {
        // A budget dims the night evenly when the plan would overrun it: no command may be brighter than that.
        const cap = this.budgetCap(compound, at, targets);
        if (cap !== null && request.brightness > cap) {
          throw new CaidengError('CAIDENG_ERR_BUDGET', [name, limit.ruleId, request.brightness, cap, until], { ruleId: limit.ruleId, maxBrightness: cap, until: limit.end });
        }
      }
      if (limit.kind === 'quiet' && limit.maxBrightness !== undefined && request.brightness !== undefined && request.brightness > limit.maxBrightness) {
        throw new CaidengError('CAIDENG_ERR_QUIET_HOURS', [name, limit.ruleId, request.brightness, limit.maxBrightness, until], {
          ruleId: limit.ruleId,
          maxBrightness: limit.maxBrightness,
          until: limit.end,
        });
      }
    }
  }

  /** The limit windows of a compound in force at `at`, from its cached plan (compiled again when stale). */
  private limitsAt(compound: string, at: number): LimitWindow[] {
    if (!this.rulesOfKind(['curfew', 'quiet', 'budget'])) return [];
    let cached = this.plans.get(compound);
    if (!cached || at < cached.from || at >= cached.to) {
      const from = at - HOUR;
      cached = { from, to: at + GUARD_HORIZON_MS, plan: compilePlan(this.input(), compound, from, at + GUARD_HORIZON_MS) };
      this.plans.set(compound, cached);
    }
    return cached.plan.limits.filter((l) => l.start <= at && at < l.end);
  }

  /** The brightness an energy budget dimmed the plan to at `at` (the lowest over the targets), null if it did not. */
  private budgetCap(compound: string, at: number, targets?: readonly string[]): number | null {
    const plan = this.plans.get(compound)?.plan;
    let cap: number | null = null;
    for (const e of plan?.entries ?? []) {
      if (e.reason !== 'budget' || e.start > at || at >= e.end) continue;
      if (targets && !e.groups.some((g) => targets.includes(g))) continue;
      cap = cap === null ? e.brightness : Math.min(cap, e.brightness);
    }
    return cap;
  }

  private rulesOfKind(kinds: readonly string[]): boolean {
    for (const r of this.rules.values()) if (kinds.includes(r.rule.kind) && r.rule.enabled !== false) return true;
    return false;
  }

  // --- dispatch -------------------------------------------------------------------------------

  /** After a rule or override change: the next revision, the bus event, the compounds resolved again. */
  private async changed(compounds: string[], rulesChanged = true, force = false): Promise<void> {
    this.revision++;
    await this.store.setMeta('revision', String(this.revision));
    if (rulesChanged) {
      this.warnings.clear();
      this.managedSet = null;
    }
    for (const c of compounds) this.plans.delete(c);
    this.ctx.bus.emit('schedule.changed', { compounds, revision: this.revision, at: this.clock.now() });
    await this.enqueue(() => this.refresh(compounds, 'change', true, undefined, force));
  }

  private refreshAll(why: string): void {
    this.plans.clear();
    void this.enqueue(() => this.refresh(this.sites.map((s) => s.id), why, true));
  }

  private enqueue(work: () => Promise<void>): Promise<void> {
    const next = this.chain.then(async () => {
      if (this.stopped) return;
      try {
        await work();
      } catch (err) {
        this.counters.failures++;
        this.log.error({ err }, 'scheduler round failed');
      }
    });
    this.chain = next;
    return next;
  }

  /** Resolves the compounds now and sends what differs; publishes their plans when asked. */
  private async refresh(compounds: readonly string[], why: string, publish: boolean, onlyGroups?: ReadonlyMap<string, ReadonlySet<string>>, force = false): Promise<void> {
    const now = this.clock.now();
    const input = this.input();
    const leadMs = this.leadMs;
    let sent = 0;
    for (const compound of compounds) {
      if (this.stopped) return;
      const info = this.deps.registry.compound(compound);
      if (!info) continue;
      if (!force && !this.managed(compound)) {
        this.nextChange.delete(compound);
        if (publish && this.published.has(compound)) await this.publishPlan(compound, now).catch((err: unknown) => this.log.warn({ err, compound }, 'plan not published'));
        continue;
      }
      // Resolved `leadMs` ahead: a change due within the lead is sent now, to start at its boundary.
      let intents: Intent[];
      try {
        intents = resolveAt(input, compound, now + leadMs);
      } catch (err) {
        this.counters.failures++;
        this.log.error({ err, compound }, 'could not resolve the schedule of a compound');
        continue;
      }
      const until = intents.reduce((m, i) => (i.until !== null && i.until < m ? i.until : m), Number.POSITIVE_INFINITY);
      this.nextChange.set(compound, until);
      const only = onlyGroups?.get(compound);
      const states = new Map<string, GroupState | undefined>();
      const inFlight = new Map<string, string>();
      const realNow = Date.now();
      for (const g of info.groups) {
        if (only && !only.has(g.id)) continue;
        const s = this.deps.state.get(`${compound}/group/${g.id}`);
        if (s?.online) states.set(g.id, s.state);
        const sent = this.inFlight.get(`${compound}/${g.id}`);
        if (sent && sent.until > realNow) inFlight.set(g.id, sent.key);
      }
      const byGroup = new Map(intents.map((i) => [i.group, i]));
      for (const cmd of dispatchFor(intents, states, { now, leadMs, inFlight })) {
        const breaksCurfew = cmd.overrideId !== null && this.overrides.get(cmd.overrideId)?.override.breaksCurfew === true;
        try {
          const { id: commandId } = await this.deps.commands.send(compound, cmd.request, {
            source: 'schedule',
            issuer: cmd.ruleId ?? (cmd.overrideId ? `override:${cmd.overrideId}` : 'schedule'),
            ...(breaksCurfew ? { breaksCurfew } : {}),
          });
          sent += cmd.request.groups.length;
          this.counters.commands++;
          const until = Date.now() + this.ctx.config.commands.ackTimeoutMs;
          for (const g of cmd.request.groups) {
            const intent = byGroup.get(g);
            if (intent) this.inFlight.set(`${compound}/${g}`, { key: intentKey(intent), until, commandId });
          }
        } catch (err) {
          this.counters.failures++;
          this.log.warn({ err, compound, groups: cmd.request.groups, rule: cmd.ruleId }, 'scheduled change not sent');
        }
      }
      if (publish) await this.publishPlan(compound, now).catch((err: unknown) => this.log.warn({ err, compound }, 'plan not published'));
    }
    this.counters.dispatched += sent;
    if (sent > 0) this.log.info({ why, groups: sent }, 'schedule dispatched');
    this.arm();
  }

  private groupOnline(compound: string, group: string): void {
    let set = this.onlineBatch.get(compound);
    if (!set) this.onlineBatch.set(compound, (set = new Set()));
    set.add(group);
    if (this.batchTimer) return;
    let queued: () => void = () => undefined;
    this.batchQueued = new Promise<void>((resolve) => (queued = resolve));
    this.batchTimer = setTimeout(() => {
      this.batchTimer = null;
      const batch = new Map(this.onlineBatch);
      this.onlineBatch.clear();
      void this.enqueue(() => this.refresh([...batch.keys()], 'online', false, batch));
      queued();
    }, ONLINE_BATCH_MS);
    this.batchTimer.unref();
  }

  /** The lead in the clock's ms: `leadMs` is real time (the network does not run faster in the demo). */
  private get leadMs(): number {
    return Math.round(this.ctx.config.schedule.leadMs * this.clock.speed);
  }

  /** Arms the one timer for the earliest change, `leadMs` ahead of it. */
  private arm(): void {
    if (this.stopped) return;
    let next = Number.POSITIVE_INFINITY;
    for (const t of this.nextChange.values()) if (t < next) next = t;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerFor = null;
    if (!Number.isFinite(next)) return;
    const fireAt = next - this.leadMs;
    this.timerFor = fireAt;
    this.timer = setTimeout(() => this.onTimer(fireAt, next), Math.min(this.clock.realDelayUntil(fireAt), 2 ** 31 - 1));
    this.timer.unref();
  }

  private onTimer(fireAt: number, change: number): void {
    this.timer = null;
    const now = this.clock.now();
    const late = now - fireAt;
    if (late < -this.leadMs) {
      // A long delay capped by setTimeout's limit, or a clock set back: look again.
      this.arm();
      return;
    }
    if (late > this.ctx.config.schedule.clockJumpMs * this.clock.speed) {
      this.counters.clockJumps++;
      this.log.info({ lateMs: late }, 'the timer fired late (the clock jumped, or the process was suspended): resolving every compound');
      this.refreshAll('clock jump');
      return;
    }
    const due = [...this.nextChange].filter(([, t]) => t <= change).map(([c]) => c);
    void this.enqueue(() => this.refresh(due, 'timer', false));
  }

  /** Compares the wall clock with the monotonic one: a wall-clock jump moves the controller's clock too. */
  private startDriftCheck(): void {
    let lastWall = Date.now();
    let lastMono = performance.now();
    this.driftTimer = setInterval(() => {
      const wall = Date.now();
      const mono = performance.now();
      const drift = wall - lastWall - (mono - lastMono);
      lastWall = wall;
      lastMono = mono;
      if (Math.abs(drift) > this.ctx.config.schedule.clockJumpMs) {
        this.counters.clockJumps++;
        this.log.warn({ driftMs: Math.round(drift) }, 'the wall clock jumped: resolving every compound');
        this.refreshAll('clock jump');
      }
    }, DRIFT_CHECK_MS);
    this.driftTimer.unref();
  }

  // --- plans ----------------------------------------------------------------------------------

  private async publishPlan(compound: string, now: number): Promise<void> {
    const info = this.deps.registry.compound(compound);
    if (!info) return;
    const to = now + this.ctx.config.schedule.planHours * HOUR;
    const plan = compilePlan(this.input(), compound, now, Math.max(to, now + GUARD_HORIZON_MS));
    this.plans.set(compound, { from: now, to: Math.max(to, now + GUARD_HORIZON_MS), plan });
    const managed = this.managed(compound);
    const entries = managed ? plan.entries.filter((e) => e.start < to).map((e) => (e.end > to ? { ...e, end: to } : e)) : [];
    const messages = planMessages(planItems(entries, info.groups.map((g) => g.id)), {
      ts: now,
      // Monotonic across restarts and hourly republishing: the wall-clock ms of the publish.
      revision: Date.now(),
      horizonEnd: to,
      maxBytes: this.ctx.config.mqtt.maxPayloadBytes,
    });
    const address = compoundAddress(compound);
    for (const [i, m] of messages.entries()) await this.deps.broker.publish(address, 'plan', m, i === 0);
    if (managed) this.published.add(compound);
    else this.published.delete(compound);
    this.counters.plansPublished++;
  }

  // --- set-up ---------------------------------------------------------------------------------

  private buildSites(): Site[] {
    const { latitude, longitude } = this.ctx.config.schedule;
    const county = this.deps.registry.county;
    return county.compounds.map((c) => ({
      id: c.id,
      ancestors: [c.community, c.street, county.county.id, county.city.id],
      lat: latitude,
      lon: longitude,
      tz: this.ctx.config.timezone,
      groups: c.groups.map((g): SiteGroup => ({ id: g.id, ratedWatts: g.ratedWatts, fixture: g.fixture, channels: g.channels })),
    }));
  }

  private async seedDemo(): Promise<void> {
    const now = this.clock.now();
    if (this.rules.size === 0) {
      const county = this.deps.registry.county.county.id;
      for (const body of demoProgramme(county)) {
        const stored = await this.store.insertRule(body, 'system', now);
        this.rules.set(stored.rule.id, stored);
      }
      this.log.info({ rules: this.rules.size }, 'seeded the demo programme');
    }
    await this.store.setMeta('demo_seeded', String(now));
  }

  private safe<T>(fn: () => T, fallback: T, what: string): T {
    try {
      return fn();
    } catch (err) {
      this.log.error({ err }, `${what} failed`);
      return fallback;
    }
  }
}

/** Whether a rule body is a programme (needs `operate`) or a limit or county rule (needs `govern`). */
export function actionForRule(body: Pick<RuleBody, 'kind'>): 'operate' | 'govern' {
  return isProgramme(body.kind) && body.kind !== 'county' ? 'operate' : 'govern';
}

export { priorityOf };
