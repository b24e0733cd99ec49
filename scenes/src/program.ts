/**
 * A scene compiled for one layout: effect instances, layer masks and scratch buffers, built once.
 * `render` composes the layers into linear colour (three floats per point, pre-gamma) and allocates
 * nothing.
 */
import { EFFECTS, effectDef, type EffectContext, type EffectInstance, type EffectSpec } from './effects/index.js';
import type { Layout } from './fixtures.js';
import { deriveSeed } from './random.js';
import type { BlendMode, Layer, Scene } from './schema.js';

interface CompiledLayer {
  readonly fx: EffectInstance;
  readonly blend: BlendMode;
  readonly opacity: number;
  /** 1 where the layer applies, per point; null = everywhere. */
  readonly mask: Uint8Array | null;
}

export class Program {
  readonly gamma: number;
  private readonly layers: CompiledLayer[];
  private readonly speed: number;
  /** Pre-gamma factor that makes the scene's brightness a linear scale of output power. */
  private readonly level: number;
  private readonly scratch: Float32Array;

  /** `scene` must be valid (see validateScene). */
  constructor(scene: Scene, private readonly layout: Layout, seed: number) {
    this.gamma = scene.gamma ?? 2.2;
    this.speed = scene.speed ?? 1;
    this.level = Math.pow(scene.brightness ?? 1, 1 / this.gamma);
    const palettes = scene.palettes ?? {};
    const make = (spec: EffectSpec, s: number): EffectInstance => {
      const def = effectDef(spec.type) ?? EFFECTS.steady;
      const ctx: EffectContext = { seed: s, palettes, create: make };
      return def.create(spec as never, ctx);
    };
    this.layers = scene.layers.map((layer, i) => ({
      fx: make(layer.effect, deriveSeed(seed, i)),
      blend: layer.blend ?? 'normal',
      opacity: layer.opacity ?? 1,
      mask: buildMask(layer, layout),
    }));
    this.scratch = new Float32Array(layout.pointCount * 3);
  }

  /** Renders the scene at `tMs` (scene time) into acc (3 floats per point). */
  render(tMs: number, acc: Float32Array): void {
    const t = tMs * this.speed;
    acc.fill(0);
    for (let li = 0; li < this.layers.length; li++) {
      const layer = this.layers[li]!;
      const direct = li === 0 && layer.blend === 'normal' && layer.opacity === 1 && layer.mask === null;
      const target = direct ? acc : this.scratch;
      this.paint(layer.fx, t, target);
      if (!direct) blendInto(acc, this.scratch, layer);
    }
    if (this.level !== 1) {
      for (let i = 0; i < acc.length; i++) acc[i] = acc[i]! * this.level;
    }
  }

  private paint(fx: EffectInstance, t: number, out: Float32Array): void {
    for (const strand of this.layout.strands) {
      fx.frame(t, strand.index, strand.length);
      fx.fill(out, strand.pointStart * 3, strand.length);
    }
  }
}

function buildMask(layer: Layer, layout: Layout): Uint8Array | null {
  const m = layer.mask;
  if (!m || (m.fixtures === undefined && m.kinds === undefined && !m.invert)) return null;
  const mask = new Uint8Array(layout.pointCount);
  for (const f of layout.fixtures) {
    let hit = (m.fixtures === undefined || m.fixtures.includes(f.id)) && (m.kinds === undefined || m.kinds.includes(f.kind));
    if (m.invert) hit = !hit;
    if (hit) mask.fill(1, f.pointStart, f.pointStart + f.points);
  }
  return mask;
}

/** One loop per blend mode, chosen once per layer and frame, so the inner loop has no switch. */
function blendInto(acc: Float32Array, src: Float32Array, layer: CompiledLayer): void {
  const mask = layer.mask;
  if (!mask) {
    blendRange(acc, src, layer.blend, layer.opacity, 0, acc.length);
    return;
  }
  // Masked: blend each run of selected points.
  let p = 0;
  while (p < mask.length) {
    while (p < mask.length && !mask[p]) p++;
    const start = p;
    while (p < mask.length && mask[p]) p++;
    if (p > start) blendRange(acc, src, layer.blend, layer.opacity, start * 3, p * 3);
  }
}

function blendRange(acc: Float32Array, src: Float32Array, mode: BlendMode, a: number, from: number, to: number): void {
  switch (mode) {
    case 'normal':
      for (let i = from; i < to; i++) acc[i] = acc[i]! + (src[i]! - acc[i]!) * a;
      break;
    case 'add':
      for (let i = from; i < to; i++) acc[i] = Math.min(1, acc[i]! + src[i]! * a);
      break;
    case 'screen':
      for (let i = from; i < to; i++) acc[i] = 1 - (1 - acc[i]!) * (1 - src[i]! * a);
      break;
    case 'multiply':
      for (let i = from; i < to; i++) acc[i] = acc[i]! * (1 - a + a * src[i]!);
      break;
    case 'lighten':
      for (let i = from; i < to; i++) {
        const d = src[i]! - acc[i]!;
        if (d > 0) acc[i] = acc[i]! + d * a;
      }
      break;
    case 'darken':
      for (let i = from; i < to; i++) {
        const d = src[i]! - acc[i]!;
        if (d < 0) acc[i] = acc[i]! + d * a;
      }
      break;
  }
}
