/**
 * State, not edges: from what every group of a compound should show (the resolver's intents) and what each
 * shows now (its last reported state), the commands that bring the groups there. Pure: the Scheduler sends.
 *
 * - A group that already shows its intent (power, brightness, scene name and parameters) gets nothing.
 * - Groups that change to the same thing share one command (`groups` list) with one `startAt`, so they
 *   start on the same frame.
 * - `startAt` is the intent's `since`, its phase origin: a show that has been running (the controller came
 *   back mid-show, a group came online late) is joined where the plan says it is, not restarted. An intent
 *   that began only just now (a new override, a timer armed `leadMs` ahead) starts `leadMs` from now.
 */
import type { GroupState, SceneRef } from '@caideng/protocol';
import type { Intent } from '@caideng/scenes';
import type { CommandRequest } from '../commands/commands.js';

export interface DispatchCommand {
  request: CommandRequest & { groups: string[] };
  /** Who asked: the winning rule, or the override. */
  ruleId: string | null;
  overrideId: string | null;
  reason: Intent['reason'];
}

export interface DispatchOptions {
  /** The controller's clock now, epoch ms. */
  now: number;
  /** How far ahead a fresh change starts. */
  leadMs: number;
  /** An intent that began less than this long ago counts as fresh (starts `leadMs` from now). Default 5 s. */
  freshMs?: number;
  /** What was sent to a group and not reported back yet (`intentKey`): not sent again. */
  inFlight?: ReadonlyMap<string, string>;
}

/** What an intent shows, as a comparable string. */
export function intentKey(intent: Intent): string {
  return intent.power === 'off' ? 'off' : `on|${intent.brightness}|${sceneKey(intent.scene)}`;
}

/** Scene parameters compared by value, keys in order. */
function sceneKey(scene: SceneRef | null | undefined): string {
  if (!scene) return '';
  const params = scene.params ? Object.fromEntries(Object.entries(scene.params).sort(([a], [b]) => (a < b ? -1 : 1))) : {};
  return `${scene.name}|${JSON.stringify(params)}|${scene.seed ?? ''}`;
}

/** Whether a group's reported state already is the intent. */
export function shows(state: GroupState | undefined, intent: Intent): boolean {
  if (!state) return false;
  if (intent.power === 'off') return state.power === 'off';
  return state.power === 'on' && state.brightness === intent.brightness && sceneKey(state.scene) === sceneKey(intent.scene);
}

export function dispatchFor(intents: readonly Intent[], states: ReadonlyMap<string, GroupState | undefined>, options: DispatchOptions): DispatchCommand[] {
  const fresh = options.freshMs ?? 5000;
  const byKey = new Map<string, DispatchCommand>();
  for (const intent of intents) {
    if (!states.has(intent.group)) continue; // offline: told when it comes back
    if (shows(states.get(intent.group), intent)) continue;
    if (options.inFlight?.get(intent.group) === intentKey(intent)) continue;
    const startAt = intent.since > options.now - fresh ? Math.max(intent.since, options.now + options.leadMs) : intent.since;
    const request: CommandRequest & { groups: string[] } =
      intent.power === 'off'
        ? { power: 'off', startAt, groups: [] }
        : {
            power: 'on',
            brightness: intent.brightness,
            ...(intent.scene ? { scene: intent.scene } : {}),
            startAt,
            ...(intent.transitionMs !== undefined ? { transitionMs: intent.transitionMs } : {}),
            groups: [],
          };
    const key = `${intent.power}|${intent.brightness}|${sceneKey(intent.scene)}|${startAt}|${intent.transitionMs ?? ''}|${intent.ruleId ?? ''}|${intent.overrideId ?? ''}`;
    let cmd = byKey.get(key);
    if (!cmd) byKey.set(key, (cmd = { request, ruleId: intent.ruleId, overrideId: intent.overrideId, reason: intent.reason }));
    cmd.request.groups.push(intent.group);
  }
  for (const c of byKey.values()) c.request.groups.sort();
  return [...byKey.values()];
}
