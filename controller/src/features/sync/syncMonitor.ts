/**
 * Start skew of synchronized shows. A lantern group reports in its state when it actually showed the first frame
 * of a command (`startedAt`, on the controller's clock as its time.sync estimates it) with the command's tx;
 * skew = startedAt − the command's `startAt`. Kept per group (the last start, also on the group's live status
 * as `skewMs` for the tiles) and per show (one command: the distribution over its groups), in memory: the
 * figures are about the shows of this run, and every new show measures again. A command whose startAt was
 * already past when it was issued (the scheduler joining a running show at its phase origin) has no start to
 * measure and is left out; one delivered late (a group that was offline) counts, late.
 */
import type { GroupState } from '@caideng/protocol';
import type { GroupSkew, ShowSkew } from '@caideng/protocol';
import { Feature, type FeatureContext } from '../feature.js';

/** What the monitor needs to know of a command, from the store. */
export interface TimedCommand {
  compound: string;
  /** Null: the command had no startAt (nothing to measure). */
  startAt: number | null;
  /** When it was issued, controller clock: a startAt before it joins a running show (the plan's phase origin), no start to measure. */
  issuedAt: number;
  targets: number;
}

/** Where live status carries the skew (DeviceState). */
export interface SkewSink {
  setSkew(compound: string, group: string, skewMs: number): void;
}

interface Show {
  commandId: string;
  compound: string;
  startAt: number;
  targets: number;
  /** group → skew, ms. */
  skews: Map<string, number>;
}

/** Shows kept (the newest); commands looked up and remembered, found or not. */
const SHOWS_KEPT = 200;
const LOOKUPS_KEPT = 2000;

export class SyncMonitor extends Feature {
  private readonly groups = new Map<string, GroupSkew>();
  private readonly shows = new Map<string, Show>();
  private readonly lookups = new Map<string, Promise<TimedCommand | null>>();
  readonly counters = { reports: 0, untimed: 0, unknown: 0, joined: 0 };

  constructor(
    ctx: FeatureContext,
    private readonly sink: SkewSink,
    clock: { fromReal(real: number): number } = { fromReal: (t) => t },
    private readonly lookup: (commandId: string) => Promise<TimedCommand | null> = (id) => commandOf(ctx, clock, id),
  ) {
    super(ctx, 'sync');
  }

  override async start(): Promise<void> {
    this.ctx.bus.on('group.state', this, ({ address, state, receivedAt }) => this.onState(address.compound, address.device, state, receivedAt));
  }

  private async onState(compound: string, group: string, state: GroupState, receivedAt: number): Promise<void> {
    const { startedAt, tx } = state;
    if (startedAt === undefined || tx === undefined || state.startAt === undefined) return;
    const key = `${compound}/${group}`;
    const last = this.groups.get(key);
    // The same start published again (a reconnect re-announces the retained state): nothing new.
    if (last && last.commandId === tx && last.startedAt === startedAt) return;
    const command = await this.command(tx);
    if (!command || command.compound !== compound) {
      this.counters.unknown++;
      return;
    }
    if (command.startAt === null) {
      this.counters.untimed++;
      return;
    }
    if (command.startAt < command.issuedAt) {
      this.counters.joined++;
      return;
    }
    const skewMs = startedAt - command.startAt;
    this.counters.reports++;
    this.groups.set(key, { compound, group, skewMs, startAt: command.startAt, startedAt, commandId: tx, at: receivedAt });
    let show = this.shows.get(tx);
    if (!show) {
      show = { commandId: tx, compound, startAt: command.startAt, targets: command.targets, skews: new Map() };
      this.shows.set(tx, show);
      while (this.shows.size > SHOWS_KEPT) this.shows.delete(this.shows.keys().next().value!);
    }
    show.skews.set(group, skewMs);
    this.sink.setSkew(compound, group, skewMs);
  }

  private command(id: string): Promise<TimedCommand | null> {
    let found = this.lookups.get(id);
    if (!found) {
      found = this.lookup(id).catch((err: unknown) => {
        this.log.warn({ err, command: id }, 'could not look up a command');
        this.lookups.delete(id);
        return null;
      });
      this.lookups.set(id, found);
      while (this.lookups.size > LOOKUPS_KEPT) this.lookups.delete(this.lookups.keys().next().value!);
    }
    return found;
  }

  /** Each group's last measured start, in compound then group order. */
  groupSkews(inScope: (compound: string) => boolean = () => true): GroupSkew[] {
    return [...this.groups.values()].filter((g) => inScope(g.compound)).sort((a, b) => cmp(a.compound, b.compound) || cmp(a.group, b.group));
  }

  /** The recent shows, newest start first, with their distribution. */
  showSkews(inScope: (compound: string) => boolean = () => true): ShowSkew[] {
    const out: ShowSkew[] = [];
    for (const s of this.shows.values()) {
      if (!inScope(s.compound)) continue;
      const abs = [...s.skews.values()].map(Math.abs).sort((a, b) => a - b);
      out.push({
        commandId: s.commandId,
        compound: s.compound,
        startAt: s.startAt,
        groups: s.targets,
        reported: abs.length,
        missing: Math.max(0, s.targets - abs.length),
        p50: rank(abs, 0.5),
        p95: rank(abs, 0.95),
        p99: rank(abs, 0.99),
        max: abs.length > 0 ? abs[abs.length - 1]! : null,
      });
    }
    return out.sort((a, b) => b.startAt - a.startAt || cmp(a.compound, b.compound));
  }
}

/** Nearest-rank percentile of sorted values; null when there are none. */
export function rank(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A command's compound, startAt and number of targets, from the store. */
async function commandOf(ctx: FeatureContext, clock: { fromReal(real: number): number }, id: string): Promise<TimedCommand | null> {
  const row = await ctx.db.selectFrom('commands').select(['compound_id', 'body_json', 'targets', 'issued_at']).where('id', '=', id).executeTakeFirst();
  if (!row) return null;
  const body = JSON.parse(row.body_json) as { startAt?: number };
  return {
    compound: row.compound_id,
    startAt: typeof body.startAt === 'number' ? body.startAt : null,
    // Stored on the wall clock; startAt is on the controller's (the demo's may be shifted).
    issuedAt: clock.fromReal(Number(row.issued_at)),
    targets: Number(row.targets),
  };
}
