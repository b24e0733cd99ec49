/**
 * What was lit, when: a compact history of each lantern group's power, brightness, scene, online and faults,
 * one row per change (a group that plays one scene all night costs one row). Presses are joined to it: a
 * live press to the current state, a press sent late from a kiosk's offline queue to the state at its
 * device time.
 */
import type { DeviceStatus, Lit, LitGroup } from '@caideng/protocol';
import { Feature, type FeatureContext } from '../feature.js';
import type { DeviceState } from '../devices/deviceState.js';
import type { Registry } from '../../registry/registry.js';
import { PeriodicJob } from '../../store/jobs.js';
import { pruneOlderThan } from '../../store/prune.js';

const DAY_MS = 86_400_000;

export function litGroupOf(group: string, status: DeviceStatus | undefined): LitGroup {
  return {
    group,
    online: status?.online ?? false,
    power: status?.state?.power ?? null,
    brightness: status?.state?.brightness ?? null,
    scene: status?.state?.scene?.name ?? null,
    faults: [...(status?.faults ?? [])],
  };
}

const signature = (g: LitGroup) => `${g.online ? 1 : 0}|${g.power}|${g.brightness}|${g.scene}|${g.faults.join(',')}`;

/** What an alert says was playing: the scene and brightness most lit groups showed, and which groups were lit. */
export function summarize(lit: Lit): { scene: string | null; brightness: number | null; groups: string[] } {
  const on = lit.groups.filter((g) => g.online && g.power === 'on');
  const most = <T>(values: T[]): T | null => {
    const counts = new Map<T, number>();
    let best: T | null = null;
    let bestN = 0;
    for (const v of values) {
      const n = (counts.get(v) ?? 0) + 1;
      counts.set(v, n);
      if (n > bestN) [best, bestN] = [v, n];
    }
    return best;
  };
  return {
    scene: most(on.map((g) => g.scene).filter((s): s is string => s !== null)),
    brightness: most(on.map((g) => g.brightness).filter((b): b is number => b !== null)),
    groups: on.map((g) => g.group),
  };
}

export class LitHistory extends Feature {
  /** Signature of the last stored row per `compound/group`. */
  private readonly last = new Map<string, string>();
  private readonly pruneJob: PeriodicJob;
  readonly counters = { changes: 0 };

  constructor(
    ctx: FeatureContext,
    private readonly registry: Registry,
    private readonly state: DeviceState,
    private readonly now: () => number = Date.now,
  ) {
    super(ctx, 'lit-history');
    const { pruneIntervalMs } = ctx.config.storage;
    this.pruneJob = new PeriodicJob({
      what: 'prune lit history',
      log: this.log,
      intervalMs: pruneIntervalMs,
      run: async () => {
        const cutoff = this.now() - this.ctx.config.feedback.litHistoryDays * DAY_MS;
        await pruneOlderThan(this.ctx.db, 'lit_history', cutoff, { chunkRows: this.ctx.config.storage.pruneChunkRows });
      },
    });
  }

  override async start(): Promise<void> {
    // The last row of each group, then a row for each group whose state moved while the controller was down.
    const rows = await this.ctx.db
      .selectFrom('lit_history as h')
      .innerJoin(
        (eb) => eb.selectFrom('lit_history').select(['compound_id', 'group_id', (e) => e.fn.max('at').as('at')]).groupBy(['compound_id', 'group_id']).as('m'),
        (join) => join.onRef('h.compound_id', '=', 'm.compound_id').onRef('h.group_id', '=', 'm.group_id').onRef('h.at', '=', 'm.at'),
      )
      .selectAll('h')
      .execute();
    for (const r of rows) this.last.set(`${r.compound_id}/${r.group_id}`, signature(fromRow(r)));
    const at = this.now();
    for (const c of this.registry.county.compounds) for (const g of c.groups) await this.record(c.id, litGroupOf(g.id, this.state.get(`${c.id}/group/${g.id}`)), at);
    this.ctx.bus.on('state.changed', this, ({ status, meteringOnly }) => {
      if (status.kind !== 'group') return;
      // Metering-only changes matter when the faults changed; the signature tells.
      void meteringOnly;
      return this.record(status.compound, litGroupOf(status.id, status), this.now());
    });
    this.pruneJob.start();
  }

  override async stop(): Promise<void> {
    await super.stop();
    await this.pruneJob.stop();
  }

  private async record(compound: string, g: LitGroup, at: number): Promise<void> {
    const key = `${compound}/${g.group}`;
    const sig = signature(g);
    if (this.last.get(key) === sig) return;
    this.last.set(key, sig);
    this.counters.changes++;
    await this.ctx.db
      .insertInto('lit_history')
      .values({
        compound_id: compound,
        group_id: g.group,
        at,
        online: g.online ? 1 : 0,
        power: g.power,
        brightness: g.brightness,
        scene: g.scene,
        faults_json: g.faults.length > 0 ? JSON.stringify(g.faults) : null,
      })
      .execute();
  }

  /** What is lit in the compound now (the live state). */
  current(compound: string): Lit {
    const c = this.registry.compound(compound);
    return { groups: (c?.groups ?? []).map((g) => litGroupOf(g.id, this.state.get(`${compound}/group/${g.id}`))) };
  }

  /** What was lit in the compound at `t`, from the history (groups with no row before `t` are unknown: offline, off). */
  async at(compound: string, t: number): Promise<Lit> {
    const c = this.registry.compound(compound);
    if (!c) return { groups: [] };
    const rows = await this.ctx.db
      .selectFrom('lit_history as h')
      .innerJoin(
        (eb) =>
          eb
            .selectFrom('lit_history')
            .select(['group_id', (e) => e.fn.max('at').as('at')])
            .where('compound_id', '=', compound)
            .where('at', '<=', t)
            .groupBy('group_id')
            .as('m'),
        (join) => join.onRef('h.group_id', '=', 'm.group_id').onRef('h.at', '=', 'm.at'),
      )
      .selectAll('h')
      .where('h.compound_id', '=', compound)
      .execute();
    const byGroup = new Map(rows.map((r) => [r.group_id, fromRow(r)]));
    return { groups: c.groups.map((g) => byGroup.get(g.id) ?? litGroupOf(g.id, undefined)) };
  }
}

function fromRow(r: { group_id: string; online: number; power: string | null; brightness: number | null; scene: string | null; faults_json: string | null }): LitGroup {
  return {
    group: r.group_id,
    online: r.online === 1,
    power: r.power === 'on' || r.power === 'off' ? r.power : null,
    brightness: r.brightness === null ? null : Number(r.brightness),
    scene: r.scene,
    faults: r.faults_json ? (JSON.parse(r.faults_json) as LitGroup['faults']) : [],
  };
}
