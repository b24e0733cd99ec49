/**
 * The renderer: plays scenes on one layout and renders frames into a preallocated Uint8Array.
 *
 *   const r = new Renderer(layout, { brightness: 200 });
 *   r.play(scene, { startAt: cmd.startAt, seed: cmd.scene.seed, transitionMs: cmd.transitionMs });
 *   r.render(Date.now(), frame);   // in the bridge; the library itself never reads a clock
 *
 * Times are in one clock chosen by the caller (epoch ms on the bus, or ms since start): a scene's own
 * time is `now − startAt`. Pipeline per frame: layers → crossfade → gamma and brightness → power
 * limit → flash governor. Nothing is allocated per frame.
 */
import { FlashGovernor } from './flash.js';
import type { Layout } from './fixtures.js';
import { GAMMA_STEPS, gammaTable, relayChannels, writeChannels } from './output.js';
import { Program } from './program.js';
import { validateScene, type Scene, type SceneError } from './schema.js';

export interface RendererOptions {
  /** Global brightness 0–255, as in the group command. Default 255. */
  brightness?: number;
  /** Upper bound on brightness 0–255 set by policy (curfew, energy budget). Default 255. */
  brightnessCap?: number;
  /** Power limit for the whole layout, watts; frames above it are scaled down. Default: none. */
  maxWatts?: number;
}

export interface PlayOptions {
  /** When the scene starts, in the renderer's clock. Default 0. */
  startAt?: number;
  /** Seed of the random effects (twinkle, meteor, sparkle). Default 0. */
  seed?: number;
  /** Crossfade from what is playing, ms. Default 0 (cut). */
  transitionMs?: number;
}

export class SceneValidationError extends TypeError {
  constructor(readonly errors: SceneError[]) {
    super(`invalid scene: ${errors.map((e) => `${e.path || '/'}: ${e.message}`).join('; ')}`);
    this.name = 'SceneValidationError';
  }
}

interface Slot {
  program: Program | null; // null = dark
  startAt: number;
  transitionMs: number;
}

export class Renderer {
  readonly channelCount: number;
  /** The last rendered frame (also returned by render when no buffer is given). */
  readonly frame: Uint8Array;
  private current: Slot = { program: null, startAt: 0, transitionMs: 0 };
  private incoming: Slot | null = null;
  private lastRender = Number.NEGATIVE_INFINITY;
  private readonly accA: Float32Array;
  private readonly accB: Float32Array;
  private readonly lut = new Uint8Array(GAMMA_STEPS);
  private lutGamma = Number.NaN;
  private brightness: number;
  private brightnessCap: number;
  private readonly maxWatts: number;
  private readonly relays: Uint8Array;
  private readonly governor: FlashGovernor;

  constructor(readonly layout: Layout, options: RendererOptions = {}) {
    this.channelCount = layout.channelCount;
    this.frame = new Uint8Array(layout.channelCount);
    this.accA = new Float32Array(layout.pointCount * 3);
    this.accB = new Float32Array(layout.pointCount * 3);
    this.brightness = clampByte(options.brightness ?? 255);
    this.brightnessCap = clampByte(options.brightnessCap ?? 255);
    this.maxWatts = options.maxWatts ?? Number.POSITIVE_INFINITY;
    this.relays = relayChannels(layout);
    this.governor = new FlashGovernor(layout, this.relays);
  }

  /** Plays a scene (validated here; throws SceneValidationError). What was playing fades out over transitionMs. */
  play(scene: Scene, options: PlayOptions = {}): void {
    const checked = validateScene(scene);
    if (!checked.ok) throw new SceneValidationError(checked.errors);
    this.enqueue(new Program(checked.scene, this.layout, (options.seed ?? 0) >>> 0), options);
  }

  /** Fades to dark. */
  stop(options: Omit<PlayOptions, 'seed'> = {}): void {
    this.enqueue(null, options);
  }

  setBrightness(value: number): void {
    this.brightness = clampByte(value);
    this.lutGamma = Number.NaN;
  }

  setBrightnessCap(value: number): void {
    this.brightnessCap = clampByte(value);
    this.lutGamma = Number.NaN;
  }

  /** Renders the frame shown at `nowMs` into `out` (length channelCount) and returns it. */
  render(nowMs: number, out: Uint8Array = this.frame): Uint8Array {
    this.lastRender = nowMs;
    const next = this.incoming;
    let mix = 0;
    if (next && nowMs >= next.startAt) {
      mix = next.transitionMs > 0 ? (nowMs - next.startAt) / next.transitionMs : 1;
      if (mix >= 1) {
        this.current = next;
        this.incoming = null;
        mix = 0;
      }
    }
    const cur = this.current;
    if (cur.program) cur.program.render(nowMs - cur.startAt, this.accA);
    else this.accA.fill(0);

    let gamma = cur.program?.gamma ?? 2.2;
    if (mix > 0 && next) {
      if (next.program) {
        next.program.render(nowMs - next.startAt, this.accB);
        gamma = next.program.gamma;
      } else this.accB.fill(0);
      const a = this.accA, b = this.accB;
      for (let i = 0; i < a.length; i++) a[i] = a[i]! + (b[i]! - a[i]!) * mix;
    }

    if (gamma !== this.lutGamma) {
      gammaTable(gamma, (Math.min(this.brightness, this.brightnessCap) / 255), this.lut);
      this.lutGamma = gamma;
    }
    writeChannels(this.accA, this.layout, this.lut, Math.min(this.brightness, this.brightnessCap) > 0, out);
    if (this.maxWatts < Number.POSITIVE_INFINITY) this.limitPower(out);
    this.governor.apply(nowMs, out);
    if (out !== this.frame) this.frame.set(out);
    return out;
  }

  /** Frames the flash governor held back since construction. */
  get flashHolds(): number {
    return this.governor.held;
  }

  private enqueue(program: Program | null, options: Omit<PlayOptions, 'seed'>): void {
    // A scene that already started becomes current (cutting short its own fade-in); one that never
    // started is simply replaced.
    if (this.incoming && this.lastRender >= this.incoming.startAt) this.current = this.incoming;
    this.incoming = { program, startAt: options.startAt ?? 0, transitionMs: Math.max(0, options.transitionMs ?? 0) };
  }

  private limitPower(out: Uint8Array): void {
    const w = this.layout.channelWatts;
    let cont = 0;
    let fixed = this.layout.standbyWatts;
    for (let c = 0; c < out.length; c++) {
      const watts = (out[c]! / 255) * w[c]!;
      if (this.relays[c]) fixed += watts;
      else cont += watts;
    }
    if (cont + fixed <= this.maxWatts || cont === 0) return;
    const k = Math.max(0, (this.maxWatts - fixed) / cont);
    for (let c = 0; c < out.length; c++) if (!this.relays[c]) out[c] = Math.floor(out[c]! * k);
  }
}

function clampByte(v: number): number {
  return Number.isFinite(v) ? Math.min(255, Math.max(0, v)) : 255;
}

/** Renders one frame of a scene at scene time tMs (no flash history): previews, golden tests, tools. */
export function renderFrame(scene: Scene, layout: Layout, tMs: number, options: RendererOptions & { seed?: number } = {}): Uint8Array {
  const r = new Renderer(layout, options);
  r.play(scene, { seed: options.seed ?? 0 });
  return r.render(tMs, new Uint8Array(layout.channelCount));
}
