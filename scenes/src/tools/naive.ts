/**
 * The naive baseline for the benchmark: the obvious generic per-pixel path. For every pixel it
 * recomputes each layer's per-frame state, allocates a colour per layer, blends through fresh
 * objects, applies gamma with Math.pow and collects channels in a plain array. Same effects, same
 * result (to within gamma rounding); only the structure differs from Program + Renderer.
 */
import { EFFECTS, effectDef, type EffectContext, type EffectInstance, type EffectSpec } from '../effects/index.js';
import type { Layout } from '../fixtures.js';
import { deriveSeed } from '../random.js';
import type { Scene } from '../schema.js';

interface Colour {
  r: number;
  g: number;
  b: number;
}

export class NaiveRenderer {
  private readonly layers: Array<{ fx: EffectInstance; blend: string; opacity: number }>;

  constructor(private readonly scene: Scene, private readonly layout: Layout, seed: number) {
    const palettes = scene.palettes ?? {};
    const make = (spec: EffectSpec, s: number): EffectInstance => {
      const ctx: EffectContext = { seed: s, palettes, create: make };
      return (effectDef(spec.type) ?? EFFECTS.steady).create(spec as never, ctx);
    };
    this.layers = scene.layers.map((l, i) => ({ fx: make(l.effect, deriveSeed(seed, i)), blend: l.blend ?? 'normal', opacity: l.opacity ?? 1 }));
  }

  render(tMs: number): Uint8Array {
    const t = tMs * (this.scene.speed ?? 1);
    const gamma = this.scene.gamma ?? 2.2;
    const level = this.scene.brightness ?? 1;
    const points: Colour[] = new Array(this.layout.pointCount);
    for (const strand of this.layout.strands) {
      for (let i = 0; i < strand.length; i++) {
        let acc: Colour = { r: 0, g: 0, b: 0 };
        for (const layer of this.layers) {
          layer.fx.frame(t, strand.index, strand.length);
          const c = new Float32Array(3);
          layer.fx.pixel(i, c, 0);
          acc = blend(acc, { r: c[0]!, g: c[1]!, b: c[2]! }, layer.blend, layer.opacity);
        }
        points[strand.pointStart + i] = acc;
      }
    }
    const channels: number[] = [];
    const out = (v: number) => Math.round(255 * level * Math.pow(Math.min(1, Math.max(0, v)), gamma));
    for (const f of this.layout.fixtures) {
      for (let p = 0; p < f.points; p++) {
        const c = points[f.pointStart + p]!;
        if (f.kind === 'pixels' || f.kind === 'rgb') channels.push(out(c.r), out(c.g), out(c.b));
        else if (f.kind === 'rgbw') {
          const w = Math.min(c.r, c.g, c.b);
          channels.push(out(c.r - w), out(c.g - w), out(c.b - w), out(w));
        } else if (f.kind === 'dimmer') channels.push(out(Math.max(c.r, c.g, c.b)));
        else channels.push(Math.max(c.r, c.g, c.b) >= 0.5 ? 255 : 0);
      }
    }
    return Uint8Array.from(channels);
  }
}

function blend(a: Colour, s: Colour, mode: string, k: number): Colour {
  const each = (f: (x: number, y: number) => number): Colour => ({ r: f(a.r, s.r), g: f(a.g, s.g), b: f(a.b, s.b) });
  switch (mode) {
    case 'add':
      return each((x, y) => Math.min(1, x + y * k));
    case 'screen':
      return each((x, y) => 1 - (1 - x) * (1 - y * k));
    case 'multiply':
      return each((x, y) => x * (1 - k + k * y));
    case 'lighten':
      return each((x, y) => (y > x ? x + (y - x) * k : x));
    case 'darken':
      return each((x, y) => (y < x ? x + (y - x) * k : x));
    default:
      return each((x, y) => x + (y - x) * k);
  }
}
