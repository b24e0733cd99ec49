/**
 * The scheduler's rows: rules (the RuleBody as JSON, with who made it), manual overrides and a few facts
 * (the schedule's revision, whether the demo programme was seeded). Queries only; the Scheduler decides.
 */
import { randomBytes } from 'node:crypto';
import type { Override, Rule, RuleBody } from '@caideng/scenes';
import type { Db } from '../../store/db.js';

export interface StoredRule {
  rule: Rule;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
}

export interface StoredOverride {
  override: Override;
  createdAt: number;
  endedAt: number | null;
}

/** What an override plays, as stored in `body_json`. */
type OverrideBody = Pick<Override, 'groups' | 'scene' | 'power' | 'brightness'>;

export function newId(): string {
  return randomBytes(8).toString('hex');
}

export class ScheduleStore {
  constructor(private readonly db: Db) {}

  async rules(): Promise<StoredRule[]> {
    const rows = await this.db.selectFrom('schedule_rules').selectAll().orderBy('created_at').orderBy('id').execute();
    return rows.map((r) => ({
      rule: { ...(JSON.parse(r.body_json) as RuleBody), id: r.id, revision: r.revision },
      createdBy: r.created_by,
      createdAt: Number(r.created_at),
      updatedAt: Number(r.updated_at),
    }));
  }

  async insertRule(body: RuleBody, createdBy: string, now: number, id = newId()): Promise<StoredRule> {
    await this.db
      .insertInto('schedule_rules')
      .values({ id, revision: 1, name: body.name, kind: body.kind, body_json: JSON.stringify(body), created_by: createdBy, created_at: now, updated_at: now })
      .execute();
    return { rule: { ...body, id, revision: 1 }, createdBy, createdAt: now, updatedAt: now };
  }

  async updateRule(prev: StoredRule, body: RuleBody, now: number): Promise<StoredRule> {
    const revision = prev.rule.revision + 1;
    await this.db
      .updateTable('schedule_rules')
      .set({ revision, name: body.name, kind: body.kind, body_json: JSON.stringify(body), updated_at: now })
      .where('id', '=', prev.rule.id)
      .execute();
    return { ...prev, rule: { ...body, id: prev.rule.id, revision }, updatedAt: now };
  }

  async deleteRule(id: string): Promise<void> {
    await this.db.deleteFrom('schedule_rules').where('id', '=', id).execute();
  }

  /** Overrides not ended and not past their end (by `now`). */
  async activeOverrides(now: number): Promise<StoredOverride[]> {
    const rows = await this.db.selectFrom('schedule_overrides').selectAll().where('ended_at', 'is', null).where('until_at', '>', now).orderBy('from_at').execute();
    return rows.map((r) => {
      const body = JSON.parse(r.body_json) as OverrideBody;
      return {
        override: {
          id: r.id,
          compound: r.compound_id,
          ...body,
          from: Number(r.from_at),
          until: Number(r.until_at),
          by: r.created_by,
          ...(r.breaks_curfew ? { breaksCurfew: true } : {}),
        },
        createdAt: Number(r.created_at),
        endedAt: null,
      };
    });
  }

  async insertOverride(o: Override, now: number): Promise<void> {
    const body: OverrideBody = {
      ...(o.groups ? { groups: o.groups } : {}),
      ...(o.scene ? { scene: o.scene } : {}),
      ...(o.power ? { power: o.power } : {}),
      ...(o.brightness !== undefined ? { brightness: o.brightness } : {}),
    };
    await this.db
      .insertInto('schedule_overrides')
      .values({
        id: o.id,
        compound_id: o.compound,
        body_json: JSON.stringify(body),
        from_at: o.from,
        until_at: o.until,
        created_by: o.by,
        breaks_curfew: o.breaksCurfew ? 1 : 0,
        ended_at: null,
        created_at: now,
      })
      .execute();
  }

  /** Marks an override ended; false when it had ended already. */
  async endOverride(id: string, at: number): Promise<boolean> {
    const r = await this.db.updateTable('schedule_overrides').set({ ended_at: at }).where('id', '=', id).where('ended_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async meta(key: string): Promise<string | null> {
    const row = await this.db.selectFrom('schedule_meta').select('value').where('key', '=', key).executeTakeFirst();
    return row?.value ?? null;
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.db
      .insertInto('schedule_meta')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute();
  }
}
