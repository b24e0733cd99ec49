import { describe, expect, it } from 'vitest';
import { createLayout } from '../src/fixtures.js';
import { Renderer, renderFrame } from '../src/render.js';
import type { Scene } from '../src/schema.js';
import { mixedLayout } from './helpers.js';

const string = createLayout([{ id: 's', kind: 'pixels', pixels: 40, ratedWatts: 12 }]);
const linear = (layers: Scene['layers'], extra: Partial<Scene> = {}): Scene => ({ gamma: 1, layers, ...extra });
const px = (f: Uint8Array, i: number) => [f[i * 3], f[i * 3 + 1], f[i * 3 + 2]];

describe('effects', () => {
  it('timeline: at 0 s steady red, at 5 s fade to gold over 2 s', () => {
    const scene = linear([{ effect: { type: 'timeline', cues: [
      { atMs: 0, effect: { type: 'steady', color: '#ff0000' } },
      { atMs: 5000, fadeMs: 2000, effect: { type: 'steady', color: '#ffb400' } },
    ] } }]);
    expect(px(renderFrame(scene, string, 1000), 0)).toEqual([255, 0, 0]);
    expect(px(renderFrame(scene, string, 6000), 0)).toEqual([255, 90, 0]); // halfway (smoothstep at 0.5)
    expect(px(renderFrame(scene, string, 7000), 0)).toEqual([255, 180, 0]);
    expect(px(renderFrame(scene, string, 60_000), 0)).toEqual([255, 180, 0]);
  });

  it('fade in from black and hold', () => {
    const scene = linear([{ effect: { type: 'fade', from: 'black', to: 'white', delayMs: 1000, durationMs: 1000, easing: 'linear' } }]);
    expect(px(renderFrame(scene, string, 500), 3)).toEqual([0, 0, 0]);
    expect(px(renderFrame(scene, string, 1500), 3)).toEqual([128, 128, 128]);
    expect(px(renderFrame(scene, string, 5000), 3)).toEqual([255, 255, 255]);
  });

  it('chase moves its dots at the given speed', () => {
    const scene = linear([{ effect: { type: 'chase', color: 'white', background: 'black', spacing: 10, width: 1, speed: 10 } }]);
    const lit = (t: number) => Array.from({ length: 40 }, (_, i) => renderFrame(scene, string, t)[i * 3]!).map((v, i) => (v > 200 ? i : -1)).filter((i) => i >= 0);
    expect(lit(0)).toEqual([0, 10, 20, 30]);
    expect(lit(300)).toEqual([3, 13, 23, 33]);
  });

  it('meteor: a bright head with a tail behind it that fades, at times drawn from the seed', () => {
    const scene = linear([{ effect: { type: 'meteor', color: 'white', tailColor: 'white', rate: 1, speed: 20, tail: 10, sparkle: 0 } }]);
    const seeds = [1, 2, 3].map((seed) => {
      const r = new Renderer(string);
      r.play(scene, { seed });
      const heads: number[] = [];
      for (let t = 0; t < 4000; t += 100) {
        const f = r.render(t);
        let best = -1;
        for (let i = 0; i < 40; i++) if (f[i * 3]! > (best < 0 ? 0 : f[best * 3]!)) best = i;
        heads.push(best);
        if (best > 3 && f[best * 3]! > 200) {
          // behind the head (lower index) the tail is lit, and dimmer than the head
          expect(f[(best - 2) * 3]!).toBeGreaterThan(0);
          expect(f[(best - 3) * 3]!).toBeLessThan(f[best * 3]!);
        }
      }
      return heads.join(',');
    });
    expect(new Set(seeds).size).toBe(3);
  });

  it('twinkle lights about the requested share of stars', () => {
    const big = createLayout([{ id: 's', kind: 'pixels', pixels: 2000, ratedWatts: 1 }]);
    const f = renderFrame(linear([{ effect: { type: 'twinkle', color: 'white', density: 0.3, periodMs: 2000 } }]), big, 12_345, { seed: 9 });
    let lit = 0;
    for (let i = 0; i < 2000; i++) if (f[i * 3]! > 0) lit++;
    expect(lit / 2000).toBeGreaterThan(0.2);
    expect(lit / 2000).toBeLessThan(0.4);
  });

  it('rainbow, gradient and wave produce colour along the strand', () => {
    const rb = renderFrame(linear([{ effect: { type: 'rainbow', speed: 0, spread: 1 } }]), string, 0);
    expect(px(rb, 0)).toEqual([255, 0, 0]);
    expect(px(rb, 20)).toEqual([0, 255, 255]);
    const gr = renderFrame(linear([{ effect: { type: 'gradient', palette: 'two', spread: 1 } }], { palettes: { two: ['#000000', '#ffffff'] } }), string, 0);
    expect(px(gr, 0)).toEqual([0, 0, 0]);
    expect(px(gr, 20)).toEqual([255, 255, 255]);
    const wv = renderFrame(linear([{ effect: { type: 'wave', color: 'white', background: 'black', wavelength: 20, speed: 0 } }]), string, 0);
    expect(px(wv, 0)).toEqual([255, 255, 255]);
    expect(px(wv, 10)).toEqual([0, 0, 0]);
  });

  it('layers blend and masks select fixtures', () => {
    const layout = mixedLayout();
    const scene = linear([
      { effect: { type: 'steady', color: '#400000' } },
      { effect: { type: 'steady', color: '#004000' }, blend: 'add' },
      { effect: { type: 'steady', color: '#0000ff' }, mask: { fixtures: ['rgb-0'] } },
    ]);
    const f = renderFrame(scene, layout, 0);
    const rgb = layout.fixtures.find((x) => x.id === 'rgb-0')!;
    const stars = layout.fixtures.find((x) => x.id === 'stars')!;
    expect(Array.from(f.subarray(rgb.channelStart, rgb.channelStart + 3))).toEqual([0, 0, 255]);
    expect(Array.from(f.subarray(stars.channelStart, stars.channelStart + 3))).toEqual([64, 64, 0]);
  });

  it('maps colour to each fixture kind: dimmer = level, relay = on/off, rgbw = white extracted', () => {
    const layout = mixedLayout();
    const f = renderFrame(linear([{ effect: { type: 'steady', color: '#ff8040' } }]), layout, 0);
    const at = (id: string) => layout.fixtures.find((x) => x.id === id)!.channelStart;
    expect(f[at('dim-0')]).toBe(255);
    expect(f[at('relay-0')]).toBe(255);
    expect(Array.from(f.subarray(at('rgbw-0'), at('rgbw-0') + 4))).toEqual([191, 64, 0, 64]);
    const dark = renderFrame(linear([{ effect: { type: 'steady', color: '#404040' } }]), layout, 0);
    expect(dark[at('relay-0')]).toBe(0);
  });

  it('gamma and brightness: brightness scales output (and so power) linearly, after gamma', () => {
    const half = renderFrame({ layers: [{ effect: { type: 'steady', color: '#808080' } }] }, string, 0);
    expect(half[0]).toBe(Math.round(255 * Math.pow(128 / 255, 2.2)));
    const dim = renderFrame({ layers: [{ effect: { type: 'steady', color: 'white' } }] }, string, 0, { brightness: 64 });
    expect(dim[0]).toBe(64);
    const capped = renderFrame({ layers: [{ effect: { type: 'steady', color: 'white' } }] }, string, 0, { brightness: 255, brightnessCap: 100 });
    expect(capped[0]).toBe(100);
    const scene = renderFrame({ brightness: 0.5, layers: [{ effect: { type: 'steady', color: 'white' } }] }, string, 0);
    expect(Math.abs(scene[0]! - 128)).toBeLessThanOrEqual(1);
  });

  it('a renderer allocates no frame per render: it writes into the buffer it is given', () => {
    const r = new Renderer(string);
    r.play(linear([{ effect: { type: 'steady', color: 'white' } }]));
    const buf = new Uint8Array(string.channelCount);
    expect(r.render(0, buf)).toBe(buf);
  });

  it('plays a scene from its startAt, keeps the previous one until then, and crossfades', () => {
    const r = new Renderer(string);
    r.play(linear([{ effect: { type: 'steady', color: '#ff0000' } }]), { startAt: 1000 });
    expect(px(r.render(500), 0)).toEqual([0, 0, 0]);
    expect(px(r.render(1000), 0)).toEqual([255, 0, 0]);
    r.play(linear([{ effect: { type: 'steady', color: '#0000ff' } }]), { startAt: 2000, transitionMs: 1000 });
    expect(px(r.render(1500), 0)).toEqual([255, 0, 0]);
    expect(px(r.render(2500), 0)).toEqual([128, 0, 128]);
    expect(px(r.render(3000), 0)).toEqual([0, 0, 255]);
    r.stop({ startAt: 4000, transitionMs: 500 });
    expect(px(r.render(4250), 0)).toEqual([0, 0, 128]);
    expect(px(r.render(4600), 0)).toEqual([0, 0, 0]);
  });

  it('rejects an invalid scene when asked to play it', () => {
    const r = new Renderer(string);
    expect(() => r.play({ layers: [] } as unknown as Scene)).toThrow(/layers/);
  });
});
