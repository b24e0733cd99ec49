/**
 * A compound's compiled plan as the retained `…/compound/-/plan` message devices follow while the
 * controller is away. A plan larger than the broker's payload limit (or than 500 items) is cut into parts
 * (`part`/`parts`), in time order: part 1 covers the nearest hours and is the retained one, so a device that
 * subscribes later always has what comes next; the later parts go to the devices connected at the time.
 * Each part's `validUntil` is the end of the time it covers.
 */
import { PROTOCOL_VERSION, type CompoundPlan, type PlanItem } from '@caideng/protocol';
import type { PlanEntry } from '@caideng/scenes';

const MAX_ITEMS = 500;
/** Room left for the envelope (v, ts, revision, validUntil, part, parts). */
const ENVELOPE_BYTES = 160;

export function planItems(entries: readonly PlanEntry[], allGroups: readonly string[]): PlanItem[] {
  const all = [...allGroups].sort().join(',');
  return entries.map((e) => {
    const groups = e.groups.join(',') === all ? undefined : e.groups;
    const base: PlanItem = { startAt: e.start, endAt: e.end, ...(groups ? { groups } : {}), power: e.power };
    return e.power === 'off' ? base : { ...base, brightness: e.brightness, ...(e.scene ? { scene: e.scene } : {}) };
  });
}

export function planMessages(items: readonly PlanItem[], opts: { ts: number; revision: number; horizonEnd: number; maxBytes: number }): CompoundPlan[] {
  const budget = opts.maxBytes - ENVELOPE_BYTES;
  const chunks: PlanItem[][] = [];
  let current: PlanItem[] = [];
  let bytes = 2;
  for (const item of items) {
    const size = Buffer.byteLength(JSON.stringify(item)) + 1;
    if (current.length > 0 && (bytes + size > budget || current.length >= MAX_ITEMS)) {
      chunks.push(current);
      current = [];
      bytes = 2;
    }
    current.push(item);
    bytes += size;
  }
  chunks.push(current);
  const parts = chunks.length;
  return chunks.map((chunk, i) => {
    const last = chunk[chunk.length - 1];
    const validUntil = i === parts - 1 ? opts.horizonEnd : (last?.endAt ?? last?.startAt ?? opts.horizonEnd);
    return {
      v: PROTOCOL_VERSION,
      ts: opts.ts,
      revision: opts.revision,
      validUntil,
      items: chunk,
      ...(parts > 1 ? { part: i + 1, parts } : {}),
    };
  });
}
