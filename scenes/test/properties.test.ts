/**
 * Property tests over generated scenes: range, determinism (in process and across processes),
 * continuous crossfades and the flash limit.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { SCENE_NAMES, resolveScene } from '../src/catalog/index.js';
import { EFFECTS, type EffectSpec } from '../src/effects/index.js';
import { Renderer } from '../src/render.js';
import { validateScene, type Scene } from '../src/schema.js';
import { arbScene, asJson, compoundLayout, field, hashFrames, maxTransitionsPerSecond, mixedLayout, smallLayouts } from './helpers.js';

const layout = mixedLayout();
const ids = layout.fixtures.map((f) => f.id);
const scenes = arbScene({ fixtureIds: ids }).map(asJson);

function builtin(name: string, params: Record<string, unknown> = {}): Scene {
  const r = resolveScene(name, name === 'zodiac-lantern' ? { year: 2021, ...params } : params);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.scene;
}

/** Sets every motion parameter the effect has to 0. */
function freeze(effect: EffectSpec): EffectSpec {
  const props = (EFFECTS as Record<string, { schema: { properties: Record<string, unknown> } }>)[effect.type]!.schema.properties;
  const out: EffectSpec = { ...effect };
  for (const k of ['speed', 'scroll', 'sway']) if (k in props) out[k] = 0;
  return out;
}

describe('generated scenes', () => {
  it('are valid', () => {
    fc.assert(fc.property(scenes, (s) => {
      const v = validateScene(s);
      if (!v.ok) throw new Error(JSON.stringify(v.errors));
    }), { numRuns: 300 });
  });

  it('render every channel in [0, 255], integral, at any time', () => {
    fc.assert(
      fc.property(scenes, fc.integer({ min: 0, max: 0xffffffff }), fc.double({ min: -1000, max: 86_400_000, noNaN: true }), (s, seed, t) => {
        const r = new Renderer(layout, { brightness: 255 });
        r.play(s, { seed });
        const f = r.render(t);
        expect(f.length).toBe(layout.channelCount);
        for (const v of f) expect(Number.isInteger(v) && v >= 0 && v <= 255).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('render deterministically: same scene, seed and times give the same frames', () => {
    fc.assert(
      fc.property(scenes, fc.integer({ min: 0, max: 0xffffffff }), fc.array(fc.integer({ min: 0, max: 60_000 }), { minLength: 1, maxLength: 20 }), (s, seed, steps) => {
        const times = steps.sort((a, b) => a - b);
        const run = () => {
          const r = new Renderer(layout);
          r.play(s, { seed });
          return times.map((t) => r.render(t, new Uint8Array(layout.channelCount)));
        };
        expect(hashFrames(run())).toBe(hashFrames(run()));
      }),
      { numRuns: 100 },
    );
  });

  it('crossfade continuously between static scenes (bounded change per 10 ms step)', () => {
    // Static scenes: nothing moves, so every change between steps comes from the crossfade itself.
    const stat = arbScene({ fixtureIds: ids, types: ['steady', 'gradient', 'chase', 'wave', 'rainbow'] }).map((s) =>
      asJson({ ...s, gamma: 2.2, layers: s.layers.map((l) => ({ ...l, effect: freeze(l.effect) })) }) as Scene,
    );
    fc.assert(
      fc.property(stat, stat, fc.integer({ min: 500, max: 10_000 }), (a, b, duration) => {
        const r = new Renderer(layout);
        r.play(a);
        r.play(b, { startAt: 1000, transitionMs: duration });
        const dt = 10;
        const bound = Math.ceil(255 * 2.2 * (dt / duration)) + 1;
        let prev = Uint8Array.from(r.render(0));
        for (let t = dt; t <= 1000 + duration + 50; t += dt) {
          const f = r.render(t);
          for (let c = 0; c < f.length; c++) {
            if (Math.abs(f[c]! - prev[c]!) > bound && layout.fixtures.find((x) => x.channelStart === c)?.kind !== 'relay') {
              throw new Error(`channel ${c} jumped ${prev[c]} → ${f[c]} at ${t} ms (bound ${bound})`);
            }
          }
          prev = Uint8Array.from(f);
        }
        // It ends exactly on the new scene.
        const only = new Renderer(layout);
        only.play(b);
        expect(Array.from(r.render(1000 + duration + 100))).toEqual(Array.from(only.render(1000 + duration + 100)));
      }),
      { numRuns: 60 },
    );
  });
});

describe('flash limit: no more than 3 whole-field flashes per second', () => {
  const layouts = smallLayouts();

  function worst(s: Scene, l = layout, fps = 60, seconds = 4, seed = 1): number {
    const r = new Renderer(l);
    r.play(s, { seed });
    const samples: { t: number; f: number }[] = [];
    for (let i = 0; i <= seconds * fps; i++) {
      const t = (i * 1000) / fps;
      samples.push({ t, f: field(r.render(t), l) });
    }
    return maxTransitionsPerSecond(samples);
  }

  it.each(SCENE_NAMES)('holds for the built-in %s on every kind of group', (name) => {
    for (const l of Object.values(layouts)) expect(worst(builtin(name), l, 50, 6)).toBeLessThanOrEqual(6);
  });

  it('holds for random scenes, frame rates and groups', () => {
    fc.assert(
      fc.property(scenes, fc.constantFrom(...Object.keys(layouts)), fc.constantFrom(10, 25, 40, 60, 120), fc.integer({ min: 0, max: 1000 }), (s, key, fps, seed) => {
        expect(worst(s, layouts[key], fps, 3, seed)).toBeLessThanOrEqual(6);
      }),
      { numRuns: 200 },
    );
  });

  it('tames a deliberate 10 Hz full-field strobe, on dimmers and on relays', () => {
    const strobe: Scene = {
      layers: [{ effect: { type: 'timeline', loopMs: 100, cues: [{ atMs: 0, effect: { type: 'steady', color: 'white' } }, { atMs: 50, effect: { type: 'steady', color: 'black' } }] } }],
    };
    for (const key of ['single', 'dimmers', 'relays', 'mixed'] as const) {
      const l = layouts[key]!;
      const r = new Renderer(l);
      r.play(strobe);
      const samples: { t: number; f: number }[] = [];
      for (let t = 0; t <= 5000; t += 10) samples.push({ t, f: field(r.render(t), l) });
      expect(maxTransitionsPerSecond(samples), key).toBeLessThanOrEqual(6);
      expect(r.flashHolds, key).toBeGreaterThan(0);
      // Unlimited, the strobe would make 20 transitions a second.
      expect(maxTransitionsPerSecond(samples.map((x, i) => ({ t: x.t, f: i % 10 < 5 ? 1 : 0 })))).toBeGreaterThan(6);
    }
  });

  it('leaves scenes that do not flash untouched', () => {
    for (const name of ['warm-white', 'lotus', 'wheat-ear', 'red-and-gold']) {
      const r = new Renderer(layout);
      r.play(builtin(name));
      for (let t = 0; t <= 10_000; t += 20) r.render(t);
      expect(r.flashHolds, name).toBe(0);
    }
  });
});

describe('determinism across processes', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  beforeAll(() => {
    execFileSync(process.execPath, [fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url)), '-b', 'scenes'], { cwd: root, stdio: 'pipe' });
  }, 120_000);

  it('a child process renders the same frames as this one (hash of 40 frames of every built-in on a compound)', () => {
    const big = compoundLayout();
    const local: Record<string, string> = {};
    for (const name of SCENE_NAMES) {
      const r = new Renderer(big, { brightness: 200 });
      r.play(builtin(name), { seed: 2021 });
      const frames: Uint8Array[] = [];
      for (let i = 0; i < 40; i++) frames.push(Uint8Array.from(r.render(i * 250)));
      local[name] = hashFrames(frames);
    }
    const script = `
      import * as S from './scenes/dist/index.js';
      const big = S.createLayout(Array.from({ length: 16 }, (_, i) => ({ id: 'string-' + i, kind: 'pixels', pixels: 300, ratedWatts: 18, standbyWatts: 0.3 })));
      const out = {};
      for (const name of S.SCENE_NAMES) {
        const res = S.resolveScene(name, name === 'zodiac-lantern' ? { year: 2021 } : {});
        const r = new S.Renderer(big, { brightness: 200 });
        r.play(res.scene, { seed: 2021 });
        let h = 0x811c9dc5;
        for (let i = 0; i < 40; i++) { const f = r.render(i * 250); for (let c = 0; c < f.length; c++) h = Math.imul(h ^ f[c], 0x01000193); }
        out[name] = (h >>> 0).toString(16).padStart(8, '0');
      }
      process.stdout.write(JSON.stringify(out));`;
    const child = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' })) as Record<string, string>;
    expect(child).toEqual(local);
  });
});
