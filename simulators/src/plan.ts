/**
 * The compound's retained plan (`caideng/v1/{compound}/compound/-/plan`) as a device keeps it: the scheduler
 * publishes it whole or, when it exceeds the broker's payload limit, in parts (`part` of `parts`, all with the
 * same `revision`). A plan is taken once all its parts have arrived; an older revision never replaces a newer
 * one. Pure: no I/O and no clock.
 */
import { decodePayload, type CompoundPlan, type PlanItem, type SceneRef } from '@caideng/protocol';

/** A plan message, possibly one part of several (the optional chunking fields). */
export type PlanMessage = CompoundPlan & { part?: number; parts?: number };

/** A complete plan: every part's items in order. */
export interface FollowedPlan {
  revision: number;
  ts: number;
  validUntil: number;
  items: PlanItem[];
}

/** What a group shows, as the plan says it at one moment. */
export interface PlannedShow {
  power?: 'on' | 'off';
  brightness?: number;
  scene?: SceneRef;
  /** The item's start: the show's phase origin. */
  startAt: number;
  /** When this item stops applying (its endAt, or the next item for the group); null: not known. */
  until: number | null;
}

export class PlanBook {
  #plan: FollowedPlan | null = null;
  /** Parts received of a revision not yet complete. */
  #pending: { revision: number; parts: number; got: Map<number, PlanMessage> } | null = null;

  get plan(): FollowedPlan | null {
    return this.#plan;
  }

  /** Decodes one retained `plan` message; returns the plan when it completed a newer revision, else null. */
  receive(payload: Buffer | string): FollowedPlan | null {
    const decoded = decodePayload('plan', payload);
    if (!decoded.ok) return null;
    return this.take(decoded.value as PlanMessage);
  }

  take(msg: PlanMessage): FollowedPlan | null {
    if (this.#plan && msg.revision < this.#plan.revision) return null;
    const parts = msg.parts ?? 1;
    const part = msg.part ?? 0;
    if (!(parts >= 1) || part < 0 || part >= parts) return null;
    if (parts === 1) return this.#complete([msg]);
    if (!this.#pending || this.#pending.revision !== msg.revision || this.#pending.parts !== parts) {
      // A newer revision starts over; a straggler of an older incomplete one is dropped.
      if (this.#pending && msg.revision < this.#pending.revision) return null;
      this.#pending = { revision: msg.revision, parts, got: new Map() };
    }
    this.#pending.got.set(part, msg);
    if (this.#pending.got.size < parts) return null;
    const ordered = Array.from({ length: parts }, (_, i) => this.#pending!.got.get(i)!);
    this.#pending = null;
    return this.#complete(ordered);
  }

  #complete(parts: PlanMessage[]): FollowedPlan {
    const first = parts[0]!;
    const items = parts.flatMap((p) => p.items).sort((a, b) => a.startAt - b.startAt);
    this.#plan = { revision: first.revision, ts: first.ts, validUntil: Math.min(...parts.map((p) => p.validUntil)), items };
    return this.#plan;
  }
}

/** The items that apply to `group`, by start. */
export function itemsFor(plan: FollowedPlan, group: string): PlanItem[] {
  return plan.items.filter((i) => !i.groups || i.groups.includes(group));
}

/**
 * What `group` should show at `t` by the plan: the latest item started at or before `t` that has not ended
 * (its `endAt`, else the next item of the group). Null outside every item or past `validUntil`.
 */
export function showAt(plan: FollowedPlan, group: string, t: number): PlannedShow | null {
  if (t >= plan.validUntil) return null;
  const items = itemsFor(plan, group);
  let found: PlannedShow | null = null;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    if (item.startAt > t) break;
    const next = items[i + 1]?.startAt;
    const until = item.endAt ?? next ?? null;
    if (until !== null && until <= t) continue;
    found = {
      startAt: item.startAt,
      until: until === null ? null : Math.min(until, next ?? until),
      ...(item.power !== undefined ? { power: item.power } : {}),
      ...(item.brightness !== undefined ? { brightness: item.brightness } : {}),
      ...(item.scene !== undefined ? { scene: item.scene } : {}),
    };
  }
  return found;
}

/** The next moment after `t` at which what `group` should show may change (an item's start or end); null: none before validUntil. */
export function nextChange(plan: FollowedPlan, group: string, t: number): number | null {
  let next = Infinity;
  for (const item of itemsFor(plan, group)) {
    if (item.startAt > t && item.startAt < next) next = item.startAt;
    if (item.endAt !== undefined && item.endAt > t && item.endAt < next) next = item.endAt;
  }
  return next < plan.validUntil ? next : null;
}
