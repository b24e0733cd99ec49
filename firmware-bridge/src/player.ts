/**
 * The frame loop of one lantern group: renders what the group should show with `@caideng/scenes` on the
 * controller's clock (so every group of a compound shows the same frame at the same moment) and hands on the
 * channels that changed. What to show comes from the last command today; the scheduler's retained plan will
 * call show() the same way (the seam: Intent).
 */
import { Renderer, createLayout, resolveScene, validateScene, type Layout, type Scene } from '@caideng/scenes';
import type { GroupCommand, SceneRef } from '@caideng/protocol';
import type { GroupConfig } from './config/schema.js';

/** What a group is to show: from a command now, from the compound's plan later. */
export interface Intent {
  power: 'on' | 'off';
  brightness: number;
  scene: SceneRef | null;
  /** When the scene starts, controller clock, epoch ms. */
  startAt: number;
  transitionMs?: number;
}

/** Where each channel of the group's frame goes. */
export interface ChannelPin {
  board: string;
  pin: number;
  kind: 'pwm' | 'relay';
}

export type SceneCheck = { ok: true; scene: Scene } | { ok: false; code: 'CAIDENG_ERR_SCENE_NOT_FOUND' | 'CAIDENG_ERR_SCENE_INVALID'; reason: string };

/** Plain light, when a group is on without a scene. */
const PLAIN = resolveScene('warm-white', { color: 'white' });

/** Stored (user) scenes the bridge has fetched from the controller (`scene.get`), by name. */
export type StoredScenes = ReadonlyMap<string, Scene>;

/**
 * Resolves a command's scene against the built-in catalog, then the stored scenes fetched from the controller,
 * with the reason when it cannot be played.
 */
export function checkScene(ref: SceneRef, at?: number, stored?: StoredScenes): SceneCheck {
  const resolved = resolveScene(ref.name, ref.params ?? {}, at !== undefined ? { at } : {});
  if (resolved.ok) return resolved;
  const own = stored?.get(ref.name);
  if (own && resolved.errors.some((e) => e.path === '/name')) {
    const checked = validateScene(own);
    if (checked.ok) return checked;
    return { ok: false, code: 'CAIDENG_ERR_SCENE_INVALID', reason: checked.errors.map((e) => `/scene${e.path}: ${e.message}`).join('; ') };
  }
  const reason = resolved.errors.map((e) => `${e.path}: ${e.message}`).join('; ');
  return { ok: false, code: resolved.errors.some((e) => e.path === '/name') ? 'CAIDENG_ERR_SCENE_NOT_FOUND' : 'CAIDENG_ERR_SCENE_INVALID', reason };
}

/** A command checked before it may touch the board: its scene (if any) must render. */
export function checkCommand(cmd: GroupCommand, stored?: StoredScenes): SceneCheck | { ok: true; scene: null } {
  return cmd.scene ? checkScene(cmd.scene, cmd.startAt, stored) : { ok: true, scene: null };
}

export class GroupPlayer {
  readonly layout: Layout;
  readonly channels: readonly ChannelPin[];
  readonly renderer: Renderer;
  readonly frame: Uint8Array;
  #key = '';

  constructor(
    readonly group: GroupConfig,
    defaultBoard: string,
    private readonly stored?: StoredScenes,
  ) {
    this.layout = createLayout(group.fixtures.map((f, i) => ({ id: `f${i}`, kind: f.kind, ratedWatts: f.ratedWatts })));
    const channels: ChannelPin[] = [];
    for (const f of group.fixtures) {
      for (const pin of f.pins) channels.push({ board: f.board ?? defaultBoard, pin, kind: f.kind === 'relay' ? 'relay' : 'pwm' });
    }
    this.channels = channels;
    this.renderer = new Renderer(this.layout);
    this.frame = new Uint8Array(this.layout.channelCount);
  }

  /** Starts showing an intent. A scene that does not resolve throws: check commands with checkCommand first. */
  show(intent: Intent): void {
    this.renderer.setBrightness(intent.brightness);
    const key = intent.power === 'off' ? 'off' : JSON.stringify([intent.scene, intent.startAt]);
    if (key === this.#key) return;
    this.#key = key;
    const transitionMs = intent.transitionMs ?? 0;
    if (intent.power === 'off') {
      this.renderer.stop({ startAt: intent.startAt, transitionMs });
      return;
    }
    const checked = intent.scene ? checkScene(intent.scene, intent.startAt, this.stored) : PLAIN;
    if (!checked.ok) throw new TypeError(`scene cannot be played: ${'reason' in checked ? checked.reason : ''}`);
    this.renderer.play(checked.scene, { startAt: intent.startAt, seed: intent.scene?.seed ?? 0, transitionMs });
  }

  /** Renders the frame at `now` (controller clock) into `frame`. */
  render(now: number): Uint8Array {
    return this.renderer.render(now, this.frame);
  }
}
