/**
 * Residents' presses, classified: each stored press (kiosk feature, `press.stored`) is joined to what was lit,
 * marked `repeat` or `misuse`, and counted by the rules that raise alerts. docs/feedback.md states the rules
 * and thresholds; the satisfaction index is computed here from the stored presses.
 *
 * - repeat: the same button on the same kiosk within `feedback.repeatWindowMs` (device time) of the last one;
 * - misuse: `misusePresses` presses from one kiosk within `misuseWindowMs` (device time); the kiosk stays
 *   flagged until it has been under that rate for `misuseQuietMs`. The presses of the window are marked too,
 *   and one `kiosk_misuse` alert is raised per episode. Repeats and misuse are kept, never counted.
 */
import { randomUUID } from 'node:crypto';
import {
  CaidengError,
  KIOSK_BUTTONS,
  type AlertAction,
  type AlertKind,
  type AlertView,
  type IndexAnswer,
  type IndexBucket,
  type IndexBucketKind,
  type KioskButton,
  type Lit,
  type PressView,
} from '@caideng/protocol';
import { Feature, type FeatureContext } from '../feature.js';
import type { StoredPress } from '../../bus/eventBus.js';
import type { Registry } from '../../registry/registry.js';
import type { DeviceState } from '../devices/deviceState.js';
import type { Deadlines } from '../deadlines/deadlines.js';
import { PeriodicJob } from '../../store/jobs.js';
import { festivalSeason } from '../metrics/energy.js';
import { localMidnight } from './businessCalendar.js';
import { summarize, type LitHistory } from './litHistory.js';
import type { AlertActuator } from './actuator.js';
import type { FeedbackAlertTable } from '../../store/schema.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** A press whose device time is this far behind the controller's clock came from an offline queue: join it to the history. */
const LATE_MS = 60_000;

/** Weight of each opinion button in the index (broken_lantern and help are requests, not opinions). */
export const INDEX_WEIGHTS: Partial<Record<KioskButton, number>> = { satisfied: 1, too_bright: 0.25, too_late: 0.25, unsatisfied: 0 };

interface WindowPress {
  id: string;
  kiosk: string;
  button: KioskButton;
  at: number;
}

interface KioskWindow {
  /** Device times of recent presses (misuse window). */
  times: number[];
  /** Last device time per button (repeat window). */
  lastByButton: Map<KioskButton, number>;
  /** Flagged until this device time (misuse episode). */
  flaggedUntil: number;
}

export const pressId = (p: { kiosk: string; boot: string | null; seq: number; variant: number }) => `${p.kiosk}.${p.boot || '-'}.${p.seq}.${p.variant}`;

export interface PressRow {
  compound_id: string;
  kiosk_id: string;
  boot: string;
  seq: number;
  variant: number;
  button: string;
  device_ts: number;
  received_at: number;
  repeat: number | null;
  misuse: number | null;
  ticket: string | null;
  lit_json: string | null;
}

export function pressView(r: PressRow): PressView {
  return {
    id: pressId({ kiosk: r.kiosk_id, boot: r.boot, seq: Number(r.seq), variant: Number(r.variant) }),
    compound: r.compound_id,
    kiosk: r.kiosk_id,
    button: r.button as KioskButton,
    deviceTs: Number(r.device_ts),
    ts: Number(r.device_ts),
    receivedAt: Number(r.received_at),
    seq: Number(r.seq),
    ...(r.boot ? { boot: r.boot } : {}),
    repeat: r.repeat === 1,
    misuse: r.misuse === 1,
    ...(r.ticket ? { ticket: r.ticket } : {}),
    lit: r.lit_json ? (JSON.parse(r.lit_json) as Lit) : { groups: [] },
  };
}

/** Index of some presses: null below the minimum. */
export function indexOf(presses: ReadonlyArray<{ button: KioskButton; repeat: boolean; misuse: boolean }>, minPresses: number, start: number, end: number): IndexBucket {
  const counts = Object.fromEntries(KIOSK_BUTTONS.map((b) => [b, 0])) as Record<KioskButton, number>;
  let misuse = 0;
  let n = 0;
  let sum = 0;
  for (const p of presses) {
    if (p.misuse) {
      misuse++;
      continue;
    }
    if (p.repeat) continue;
    counts[p.button]++;
    const w = INDEX_WEIGHTS[p.button];
    if (w !== undefined) {
      n++;
      sum += w;
    }
  }
  const enough = n >= minPresses;
  return { start, end, index: enough ? Math.round((100 * sum) / n) : null, ...(enough ? {} : { reason: 'not-enough-presses' as const }), count: n, counts, misuse };
}

const MESSAGES: Record<AlertKind, (a: { kiosk?: string; presses: number; scene: string | null; groups: string[] }) => { zh: string; en: string }> = {
  unsatisfied: (a) => ({ zh: `15 分钟内 ${a.presses} 次评价，半数以上不满意（场景 ${a.scene ?? '—'}）`, en: `${a.presses} presses in 15 minutes, half or more not satisfied (scene ${a.scene ?? '—'})` }),
  too_bright: (a) => ({ zh: `10 分钟内 ${a.presses} 次"太亮"（场景 ${a.scene ?? '—'}）`, en: `${a.presses} "too bright" presses in 10 minutes (scene ${a.scene ?? '—'})` }),
  broken_with_fault: (a) => ({ zh: `居民报灯坏了，灯组 ${a.groups.join('、')} 报告故障`, en: `A resident reported a broken lantern while group(s) ${a.groups.join(', ')} report a fault` }),
  kiosk_misuse: (a) => ({ zh: `反馈亭 ${a.kiosk} 按键异常频繁（按键卡住或误按），已标记`, en: `Kiosk ${a.kiosk} is pressed abnormally fast (stuck button or misuse); its presses are flagged` }),
  kiosk_silent: (a) => ({ zh: `反馈亭 ${a.kiosk} 多日无人按键`, en: `Kiosk ${a.kiosk} has had no press for days` }),
  kiosk_offline: (a) => ({ zh: `反馈亭 ${a.kiosk} 离线`, en: `Kiosk ${a.kiosk} is offline` }),
};

export interface AlertFilter {
  compound?: string;
  state?: 'open' | 'acknowledged' | 'all';
  keep: (compound: string) => boolean;
  limit: number;
}

export class Feedback extends Feature {
  private readonly kiosks = new Map<string, KioskWindow>();
  /** Counted presses per compound within the longest alert window, oldest first. */
  private readonly windows = new Map<string, WindowPress[]>();
  private readonly silentJob: PeriodicJob;
  private startedAt = 0;
  private shuttingDown = false;
  /** Presses are classified one at a time, in arrival order (windows and alerts depend on the order). */
  private chain: Promise<void> = Promise.resolve();
  readonly counters = { classified: 0, repeats: 0, misuse: 0, alerts: 0 };

  constructor(
    ctx: FeatureContext,
    private readonly registry: Registry,
    private readonly state: DeviceState,
    private readonly lit: LitHistory,
    private readonly deadlines: Deadlines,
    private readonly actuator: AlertActuator,
    private readonly now: () => number = Date.now,
  ) {
    super(ctx, 'feedback');
    this.silentJob = new PeriodicJob({ what: 'look for silent kiosks', log: this.log, intervalMs: ctx.config.feedback.silentCheckMs, run: () => this.checkSilent() });
  }

  override async start(): Promise<void> {
    this.startedAt = this.now();
    this.shuttingDown = false;
    await this.restoreWindows();
    const { bus } = this.ctx;
    bus.on('press.stored', this, ({ press }) => {
      this.chain = this.chain.then(() => this.classify(press)).catch((err: unknown) => this.log.error({ err }, 'press classification failed'));
      return this.chain;
    });
    bus.on('device.disconnected', this, ({ shutdown }) => {
      if (shutdown) this.shuttingDown = true;
    });
    bus.on('availability.changed', this, async ({ compound, kind, id, online }) => {
      if (kind !== 'kiosk') return;
      const key = `kiosk-offline/${compound}/${id}`;
      if (online) return void (await this.deadlines.cancel(key));
      // A disconnect at shutdown marks every kiosk offline; its `device.disconnected` (shutdown) comes right
      // after this event, within the same emit: wait one microtask to know, and raise nothing for a restart.
      await Promise.resolve();
      if (this.shuttingDown) return;
      return this.deadlines.schedule({ kind: 'kiosk.offline', key, dueAt: this.now() + this.ctx.config.feedback.kioskOfflineMinutes * 60_000, payload: { compound, kiosk: id } });
    });
    this.deadlines.handle<{ compound: string; kiosk: string }>('kiosk.offline', async ({ payload }) => {
      const status = this.state.get(`${payload.compound}/kiosk/${payload.kiosk}`);
      if (status?.online) return;
      if (await this.hasAlert(payload.compound, 'kiosk_offline', payload.kiosk, ['open', 'acknowledged'])) return;
      await this.raise({ compound: payload.compound, kiosk: payload.kiosk, kind: 'kiosk_offline', lit: this.lit.current(payload.compound), presses: 0 });
    });
    this.silentJob.start();
  }

  override async stop(): Promise<void> {
    await super.stop();
    await this.silentJob.stop();
    await this.chain;
  }

  /** Waits until every press stored so far is classified (tests, and the press listing's consistency). */
  settled(): Promise<void> {
    return this.chain;
  }

  /** Counted presses of the last alert window come back from the store, so a restart does not reset the rules. */
  private async restoreWindows(): Promise<void> {
    const f = this.ctx.config.feedback;
    const since = this.now() - Math.max(f.unsatisfiedWindowMs, f.tooBrightWindowMs);
    const rows = await this.ctx.db
      .selectFrom('kiosk_presses')
      .selectAll()
      .where('received_at', '>=', since)
      .where('repeat', '=', 0)
      .where('misuse', '=', 0)
      .orderBy('received_at')
      .execute();
    for (const r of rows) this.windowOf(r.compound_id).push({ id: pressId({ kiosk: r.kiosk_id, boot: r.boot, seq: Number(r.seq), variant: Number(r.variant) }), kiosk: r.kiosk_id, button: r.button as KioskButton, at: Number(r.received_at) });
  }

  private windowOf(compound: string): WindowPress[] {
    let w = this.windows.get(compound);
    if (!w) this.windows.set(compound, (w = []));
    return w;
  }

  private async classify(press: StoredPress): Promise<void> {
    const f = this.ctx.config.feedback;
    const key = `${press.compound}/${press.kiosk}`;
    let k = this.kiosks.get(key);
    if (!k) this.kiosks.set(key, (k = { times: [], lastByButton: new Map(), flaggedUntil: -Infinity }));
    const last = k.lastByButton.get(press.button);
    const repeat = last !== undefined && press.ts >= last && press.ts - last < f.repeatWindowMs;
    if (last === undefined || press.ts > last) k.lastByButton.set(press.button, press.ts);
    k.times.push(press.ts);
    k.times = k.times.filter((t) => t > press.ts - f.misuseWindowMs && t <= press.ts + f.misuseWindowMs);
    const fast = k.times.filter((t) => t <= press.ts).length >= f.misusePresses;
    const wasFlagged = press.ts < k.flaggedUntil;
    if (fast) k.flaggedUntil = press.ts + f.misuseQuietMs;
    const misuse = fast || wasFlagged;
    const lit = this.now() - press.ts > LATE_MS ? await this.lit.at(press.compound, press.ts) : this.lit.current(press.compound);
    await this.ctx.db
      .updateTable('kiosk_presses')
      .set({ repeat: repeat ? 1 : 0, misuse: misuse ? 1 : 0, lit_json: JSON.stringify(lit) })
      .where('compound_id', '=', press.compound)
      .where('kiosk_id', '=', press.kiosk)
      .where('boot', '=', press.boot ?? '')
      .where('seq', '=', press.seq)
      .where('variant', '=', press.variant)
      .execute();
    this.counters.classified++;
    if (repeat) this.counters.repeats++;
    if (misuse) this.counters.misuse++;
    if (fast && !wasFlagged) await this.flagMisuse(press, f.misuseWindowMs, lit);
    const view: PressView = {
      id: pressId(press),
      compound: press.compound,
      kiosk: press.kiosk,
      button: press.button,
      deviceTs: press.ts,
      ts: press.ts,
      receivedAt: press.receivedAt,
      seq: press.seq,
      ...(press.boot ? { boot: press.boot } : {}),
      repeat,
      misuse,
      lit,
    };
    this.ctx.bus.emit('feedback.press', { press: view });
    if (!repeat && !misuse) await this.applyRules(view);
  }

  /** A new misuse episode: the window's presses are marked too, leave the alert windows, and one alert goes up. */
  private async flagMisuse(press: StoredPress, windowMs: number, lit: Lit): Promise<void> {
    const from = press.ts - windowMs;
    const result = await this.ctx.db
      .updateTable('kiosk_presses')
      .set({ misuse: 1 })
      .where('compound_id', '=', press.compound)
      .where('kiosk_id', '=', press.kiosk)
      .where('device_ts', '>', from)
      .where('device_ts', '<=', press.ts)
      .executeTakeFirst();
    const w = this.windows.get(press.compound);
    if (w) this.windows.set(press.compound, w.filter((p) => p.kiosk !== press.kiosk || p.at < press.receivedAt - windowMs));
    this.log.warn({ compound: press.compound, kiosk: press.kiosk, presses: Number(result.numUpdatedRows) }, 'kiosk pressed abnormally fast: presses flagged as misuse');
    await this.raise({ compound: press.compound, kiosk: press.kiosk, kind: 'kiosk_misuse', lit, presses: Number(result.numUpdatedRows) });
  }

  private async applyRules(press: PressView): Promise<void> {
    const f = this.ctx.config.feedback;
    const w = this.windowOf(press.compound);
    w.push({ id: press.id, kiosk: press.kiosk, button: press.button, at: press.receivedAt });
    const horizon = press.receivedAt - Math.max(f.unsatisfiedWindowMs, f.tooBrightWindowMs);
    while (w.length > 0 && w[0]!.at < horizon) w.shift();
    const within = (ms: number) => w.filter((p) => p.at > press.receivedAt - ms);
    if (press.button === 'unsatisfied' || INDEX_WEIGHTS[press.button] !== undefined) {
      const opinions = within(f.unsatisfiedWindowMs).filter((p) => INDEX_WEIGHTS[p.button] !== undefined);
      const unhappy = opinions.filter((p) => p.button === 'unsatisfied').length;
      if (opinions.length >= f.unsatisfiedMinPresses && unhappy / opinions.length >= f.unsatisfiedShare) {
        if (!(await this.raisedSince(press.compound, 'unsatisfied', this.now() - f.unsatisfiedWindowMs))) {
          await this.raise({ compound: press.compound, kind: 'unsatisfied', lit: press.lit, presses: opinions.length });
        }
      }
    }
    if (press.button === 'too_bright') {
      const bright = within(f.tooBrightWindowMs).filter((p) => p.button === 'too_bright').length;
      if (bright >= f.tooBrightPresses && !(await this.raisedSince(press.compound, 'too_bright', this.now() - f.tooBrightWindowMs))) {
        await this.raise({ compound: press.compound, kind: 'too_bright', lit: press.lit, presses: bright });
      }
    }
    if (press.button === 'broken_lantern') {
      const faulty = press.lit.groups.filter((g) => g.faults.length > 0).map((g) => g.group);
      if (faulty.length > 0 && !(await this.raisedSince(press.compound, 'broken_with_fault', this.now() - f.mergeWindowMs))) {
        await this.raise({ compound: press.compound, kiosk: press.kiosk, kind: 'broken_with_fault', lit: press.lit, presses: 1, groups: faulty });
      }
    }
  }

  private async raisedSince(compound: string, kind: AlertKind, since: number): Promise<boolean> {
    const row = await this.ctx.db.selectFrom('feedback_alerts').select('id').where('compound_id', '=', compound).where('kind', '=', kind).where('raised_at', '>', since).executeTakeFirst();
    return row !== undefined;
  }

  private async hasAlert(compound: string, kind: AlertKind, kiosk: string, states: AlertView['state'][]): Promise<boolean> {
    const row = await this.ctx.db
      .selectFrom('feedback_alerts')
      .select('id')
      .where('compound_id', '=', compound)
      .where('kind', '=', kind)
      .where('kiosk_id', '=', kiosk)
      .where('state', 'in', states)
      .executeTakeFirst();
    return row !== undefined;
  }

  private async raise(a: { compound: string; kiosk?: string; kind: AlertKind; lit: Lit; presses: number; groups?: string[] }): Promise<AlertView> {
    const playing = summarize(a.lit);
    const groups = a.groups ?? playing.groups;
    const alert: AlertView = {
      id: randomUUID(),
      compound: a.compound,
      ...(a.kiosk ? { kiosk: a.kiosk } : {}),
      kind: a.kind,
      raisedAt: this.now(),
      state: 'open',
      lit: a.lit,
      scene: playing.scene,
      brightness: playing.brightness,
      groups,
      presses: a.presses,
      actions: [],
      message: MESSAGES[a.kind]({ ...(a.kiosk ? { kiosk: a.kiosk } : {}), presses: a.presses, scene: playing.scene, groups }),
    };
    await this.ctx.db.insertInto('feedback_alerts').values(alertRow(alert)).execute();
    this.counters.alerts++;
    this.log.info({ compound: a.compound, kind: a.kind, scene: alert.scene }, 'feedback alert raised');
    this.ctx.bus.emit('feedback.alert', { alert });
    return alert;
  }

  private async checkSilent(): Promise<void> {
    const f = this.ctx.config.feedback;
    const now = this.now();
    const cutoff = now - f.silentDays * DAY_MS;
    const rows = await this.ctx.db
      .selectFrom('kiosk_presses')
      .select(['compound_id', 'kiosk_id', (eb) => eb.fn.max('received_at').as('last')])
      .groupBy(['compound_id', 'kiosk_id'])
      .execute();
    const last = new Map(rows.map((r) => [`${r.compound_id}/${r.kiosk_id}`, Number(r.last)]));
    for (const c of this.registry.county.compounds) {
      for (const k of c.kiosks) {
        const at = last.get(`${c.id}/${k.id}`) ?? this.startedAt;
        if (at > cutoff) continue;
        const since = await this.ctx.db
          .selectFrom('feedback_alerts')
          .select('id')
          .where('compound_id', '=', c.id)
          .where('kiosk_id', '=', k.id)
          .where('kind', '=', 'kiosk_silent')
          .where('raised_at', '>', at)
          .executeTakeFirst();
        if (since) continue;
        await this.raise({ compound: c.id, kiosk: k.id, kind: 'kiosk_silent', lit: this.lit.current(c.id), presses: 0 });
      }
    }
  }

  /** Looks for silent kiosks now (the periodic job does this every `feedback.silentCheckMs`). */
  runSilentCheck(): Promise<boolean> {
    return this.silentJob.runNow();
  }

  // --- reading -----------------------------------------------------------------------------

  async presses(q: { compound?: string; from: number; to: number; limit: number; keep: (c: string) => boolean }): Promise<PressView[]> {
    await this.chain;
    let query = this.ctx.db.selectFrom('kiosk_presses').selectAll().where('device_ts', '>=', q.from).where('device_ts', '<', q.to);
    if (q.compound !== undefined) query = query.where('compound_id', '=', q.compound);
    const rows = await query.orderBy('received_at', 'desc').limit(q.compound === undefined ? q.limit * 4 : q.limit).execute();
    return rows.filter((r) => q.keep(r.compound_id)).slice(0, q.limit).map(pressView);
  }

  /** The latest presses, newest first (the live feed's first page). */
  async recent(limit: number, compound?: string): Promise<PressView[]> {
    let query = this.ctx.db.selectFrom('kiosk_presses').selectAll();
    if (compound !== undefined) query = query.where('compound_id', '=', compound);
    return (await query.orderBy('received_at', 'desc').limit(limit).execute()).map(pressView);
  }

  async index(q: { compounds: string[]; from: number; to: number; by: IndexBucketKind }): Promise<IndexAnswer> {
    const min = this.ctx.config.feedback.minPresses;
    const rows =
      q.compounds.length === 0
        ? []
        : await this.ctx.db
            .selectFrom('kiosk_presses')
            .select(['compound_id', 'button', 'device_ts', 'repeat', 'misuse'])
            .where('device_ts', '>=', q.from)
            .where('device_ts', '<', q.to)
            .where('compound_id', 'in', q.compounds)
            .execute();
    const spans = bucketsOf(q.by, q.from, q.to);
    const byCompound = new Map<string, Array<{ t: number; button: KioskButton; repeat: boolean; misuse: boolean }>>();
    for (const r of rows) {
      let list = byCompound.get(r.compound_id);
      if (!list) byCompound.set(r.compound_id, (list = []));
      list.push({ t: Number(r.device_ts), button: r.button as KioskButton, repeat: r.repeat === 1, misuse: r.misuse === 1 });
    }
    return {
      by: q.by,
      compounds: q.compounds.map((compound) => {
        const list = byCompound.get(compound) ?? [];
        return {
          compound,
          buckets: spans.map(([start, end]) => indexOf(list.filter((p) => p.t >= start && p.t < end), min, start, end)),
          total: indexOf(list, min, q.from, q.to),
        };
      }),
    };
  }

  async alerts(f: AlertFilter): Promise<AlertView[]> {
    let q = this.ctx.db.selectFrom('feedback_alerts').selectAll();
    if (f.compound !== undefined) q = q.where('compound_id', '=', f.compound);
    if (f.state === 'open') q = q.where('state', '=', 'open');
    if (f.state === 'acknowledged') q = q.where('state', 'in', ['acknowledged', 'acted']);
    const rows = await q.orderBy('raised_at', 'desc').limit(f.compound === undefined ? f.limit * 4 : f.limit).execute();
    return rows.filter((r) => f.keep(r.compound_id)).slice(0, f.limit).map(alertView);
  }

  async alert(id: string): Promise<AlertView | null> {
    const row = await this.ctx.db.selectFrom('feedback_alerts').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? alertView(row) : null;
  }

  /** An action on an alert by a person: the actuator acts, the alert records what was done, by whom. */
  async act(id: string, action: AlertAction, by: string, level?: number): Promise<AlertView> {
    const alert = await this.alert(id);
    if (!alert) throw new CaidengError('CAIDENG_ERR_ALERT_NOT_FOUND', [id]);
    let result: string | undefined;
    try {
      if (action === 'dim') result = await this.actuator.dim(alert.compound, level ?? this.ctx.config.feedback.dimLevel, by);
      else if (action === 'quiet') result = await this.actuator.quiet(alert.compound, by);
      else if (action === 'end_show') result = await this.actuator.endShow(alert.compound, by);
    } catch (err) {
      if (err instanceof CaidengError) throw new CaidengError('CAIDENG_ERR_ALERT_ACTION', [id, err.message]);
      throw err;
    }
    const entry = { action, by, at: this.now(), ...(result !== undefined ? { result } : {}) };
    alert.actions.push(entry);
    if (alert.state !== 'ticketed') alert.state = action === 'acknowledge' ? (alert.state === 'acted' ? 'acted' : 'acknowledged') : 'acted';
    await this.ctx.db.updateTable('feedback_alerts').set({ state: alert.state, actions_json: JSON.stringify(alert.actions) }).where('id', '=', id).execute();
    this.ctx.bus.emit('feedback.alert', { alert });
    return alert;
  }

  /** An alert nobody handled opened a ticket (the tickets feature tells). */
  async markTicketed(id: string, code: string): Promise<void> {
    const alert = await this.alert(id);
    if (!alert) return;
    alert.state = 'ticketed';
    alert.ticket = code;
    await this.ctx.db.updateTable('feedback_alerts').set({ state: 'ticketed', ticket: code }).where('id', '=', id).execute();
    this.ctx.bus.emit('feedback.alert', { alert });
  }
}

/** Bucket spans [start, end) over the range: UTC hours (China has whole-hour offsets), nights from local noon to noon, festival seasons. */
export function bucketsOf(by: IndexBucketKind, from: number, to: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const MAX = 2000;
  if (by === 'hour') {
    for (let t = Math.floor(from / HOUR_MS) * HOUR_MS; t < to && out.length < MAX; t += HOUR_MS) out.push([t, t + HOUR_MS]);
  } else if (by === 'night') {
    for (let t = nightStart(from); t < to && out.length < MAX; t += DAY_MS) out.push([t, t + DAY_MS]);
  } else {
    const y0 = new Date(from + 8 * HOUR_MS).getUTCFullYear();
    const y1 = new Date(to + 8 * HOUR_MS).getUTCFullYear();
    for (let y = y0; y <= y1 + 1 && out.length < MAX; y++) {
      const s = festivalSeason(y);
      if (s.to > from && s.from < to) out.push([s.from, s.to]);
    }
  }
  return out;
}

/** A night runs from local noon to the next local noon, named by its evening. */
export function nightStart(t: number): number {
  return localMidnight(t - 12 * HOUR_MS) + 12 * HOUR_MS;
}

function alertRow(a: AlertView) {
  return {
    id: a.id,
    compound_id: a.compound,
    kiosk_id: a.kiosk ?? null,
    kind: a.kind,
    raised_at: a.raisedAt,
    state: a.state,
    lit_json: JSON.stringify(a.lit),
    scene: a.scene,
    brightness: a.brightness,
    groups_json: JSON.stringify(a.groups),
    presses: a.presses,
    actions_json: JSON.stringify(a.actions),
    ticket: a.ticket ?? null,
    message_json: JSON.stringify(a.message),
  };
}

function alertView(r: FeedbackAlertTable): AlertView {
  return {
    id: r.id,
    compound: r.compound_id,
    ...(r.kiosk_id ? { kiosk: r.kiosk_id } : {}),
    kind: r.kind as AlertKind,
    raisedAt: Number(r.raised_at),
    state: r.state as AlertView['state'],
    lit: JSON.parse(r.lit_json) as Lit,
    scene: r.scene,
    brightness: r.brightness === null ? null : Number(r.brightness),
    groups: JSON.parse(r.groups_json) as string[],
    presses: Number(r.presses),
    actions: JSON.parse(r.actions_json) as AlertView['actions'],
    ...(r.ticket ? { ticket: r.ticket } : {}),
    message: JSON.parse(r.message_json) as AlertView['message'],
  };
}
