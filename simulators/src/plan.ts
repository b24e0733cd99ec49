/**
 * The compound's retained plan (`caideng/v1/{compound}/compound/-/plan`) as a device keeps it. The scheduler
 * publishes it whole or, past the broker's payload limit, in parts `part` 1..`parts` of one `revision`, in time
 * order; only part 1 (the nearest hours) stays retained, so a device that subscribes later may only ever get
 * part 1. The plan followed is therefore the newest revision's parts from 1 up to the first one missing, valid
 * until the last of them ends; an older revision never replaces a newer one. Pure: no I/O and no clock.
 */
import { decodePayload, type CompoundPlan, type PlanItem, type SceneRef } from '@caideng/protocol';

/** A plan message, possibly one part of several (the optional chunking fields, numbered from 1). */
export type PlanMessage = CompoundPlan & { part?: number; parts?: number };

/** The plan as followed: the items of the parts at hand, in time order. */
export interface FollowedPlan {
  revision: number;
  ts: number;
  /** The end of what the parts at hand cover: nothing is followed from then on. */
  validUntil: number;
  items: PlanItem[];
  /** Parts at hand (contiguous from 1) of how many. */
  parts: { have: number; of: number };
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
  /** Parts of the newest revision seen, by number. */
  #parts: { revision: number; of: number; got: Map<number, PlanMessage> } | null = null;

  get plan(): FollowedPlan | null {
    return this.#plan;
  }

  /** Decodes one `plan` message; returns the plan when it changed what is followed, else null. */
  receive(payload: Buffer | string): FollowedPlan | null {
    const decoded = decodePayload('plan', payload);
    if (!decoded.ok) return null;
    return this.take(decoded.value as PlanMessage);
  }

  take(msg: PlanMessage): FollowedPlan | null {
    const of = msg.parts ?? 1;
    const part = msg.part ?? 1;
    if (!(of >= 1) || part < 1 || part > of) return null;
    if (this.#parts && msg.revision < this.#parts.revision) return null;
    if (!this.#parts || msg.revision > this.#parts.revision || this.#parts.of !== of) {
      this.#parts = { revision: msg.revision, of, got: new Map() };
    }
    this.#parts.got.set(part, msg);
    const ordered: PlanMessage[] = [];
    for (let i = 1; i <= of && this.#parts.got.has(i); i++) ordered.push(this.#parts.got.get(i)!);
    // Without part 1 nothing of this revision can be followed yet: the previous plan stays.
    if (ordered.length === 0) return null;
    if (this.#plan && this.#plan.revision === msg.revision && this.#plan.parts.have === ordered.length) return null;
    const last = ordered[ordered.length - 1]!;
    this.#plan = {
      revision: msg.revision,
      ts: ordered[0]!.ts,
      validUntil: last.validUntil,
      items: ordered.flatMap((p) => p.items).sort((a, b) => a.startAt - b.startAt),
      parts: { have: ordered.length, of },
    };
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
