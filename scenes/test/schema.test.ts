import { describe, expect, it } from 'vitest';
import { validateScene } from '../src/schema.js';

describe('validateScene', () => {
  it('accepts a scene and returns it', () => {
    const scene = { name: 'my-scene', layers: [{ effect: { type: 'steady', color: 'china-red' } }] };
    expect(validateScene(scene)).toEqual({ ok: true, scene });
    expect(validateScene(JSON.stringify(scene)).ok).toBe(true);
  });

  it('rejects a bad scene with every error and its JSON path', () => {
    const r = validateScene({
      name: 'Bad Name',
      gamma: 9,
      extra: true,
      layers: [
        { effect: { type: 'chase', speed: 1e6, colr: 'red', color: 'rouge' }, blend: 'mix', opacity: 3 },
        { effect: { type: 'nope' } },
        { effect: { type: 'timeline', cues: [{ atMs: 5000, effect: { type: 'steady' } }, { atMs: 1000, effect: { type: 'breathe', periodMs: 1 } }], loopMs: 10 } },
        { effect: { type: 'gradient', palette: 'no-such-palette' } },
        { blend: 'add' },
      ],
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const byPath = Object.fromEntries(r.errors.map((e) => [e.path, e.message]));
    expect(byPath).toMatchObject({
      '/name': expect.stringContaining('must match'),
      '/gamma': 'must be a number from 1 to 3 (exponent)',
      '/extra': expect.stringContaining("unknown property 'extra'"),
      '/layers/0/blend': expect.stringContaining('must be one of "normal"'),
      '/layers/0/opacity': 'must be a number from 0 to 1 (fraction)',
      '/layers/0/effect/speed': 'must be a number from -2000 to 2000 (px/s)',
      '/layers/0/effect/colr': expect.stringContaining("unknown parameter 'colr' of chase; known: color, background"),
      '/layers/0/effect/color': expect.stringContaining('must be a colour'),
      '/layers/1/effect/type': expect.stringContaining("unknown effect 'nope'"),
      '/layers/2/effect/cues/1/atMs': expect.stringContaining('time order'),
      '/layers/2/effect/cues/1/effect/periodMs': 'must be a number from 500 to 600000 (ms)',
      '/layers/2/effect/loopMs': expect.stringContaining('after the last cue'),
      '/layers/3/effect/palette': "unknown palette 'no-such-palette'",
      '/layers/4/effect': 'is required',
    });
    expect(r.errors).toHaveLength(14);
  });

  it('rejects what is not a scene at all, without throwing', () => {
    for (const bad of [null, 42, 'not json', [], { layers: 'x' }, { layers: [null] }, { layers: [{ effect: [] }] }]) {
      const r = validateScene(bad);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.errors.length).toBeGreaterThan(0);
    }
  });

  it('limits timeline nesting', () => {
    let effect: Record<string, unknown> = { type: 'steady' };
    for (let i = 0; i < 5; i++) effect = { type: 'timeline', cues: [{ atMs: 0, effect }] };
    const r = validateScene({ layers: [{ effect }] });
    expect(!r.ok && r.errors.some((e) => e.message.includes('nest'))).toBe(true);
  });
});
