import { describe, expect, it } from 'vitest';
import { CATALOG, SCENE_NAMES, resolveScene, sceneParams } from '../src/catalog/index.js';
import { COMMON_PARAMS } from '../src/catalog/types.js';
import { isSceneId } from '../src/ids.js';
import { Renderer } from '../src/render.js';
import { mixedLayout } from './helpers.js';

describe('catalog', () => {
  it('has the lanterns of the Rong County programme, each named in Chinese and English', () => {
    expect(SCENE_NAMES).toEqual(expect.arrayContaining(['ox-lantern', 'zodiac-lantern', 'carp', 'lotus', 'wheat-ear', 'sky-full-of-stars', 'meteor-shower', 'warm-white', 'red-and-gold', 'quiet-hours']));
    for (const e of CATALOG) {
      expect(isSceneId(e.id), e.id).toBe(true);
      expect(e.zh).toMatch(/[\u4e00-\u9fff]/);
      expect(e.en.length).toBeGreaterThan(0);
      expect(e.looks.length).toBeGreaterThan(10);
      for (const k of Object.keys(e.params)) expect(k in COMMON_PARAMS, `${e.id}.${k} shadows a common parameter`).toBe(false);
    }
  });

  it.each(SCENE_NAMES)('%s resolves with defaults to a valid scene', (name) => {
    const r = resolveScene(name, name === 'zodiac-lantern' ? { animal: 'tiger' } : {});
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.scene.name).toBe(name);
  });

  it.each(SCENE_NAMES)('%s accepts every parameter at its minimum and maximum', (name) => {
    const entry = CATALOG.find((e) => e.id === name)!;
    for (const [key, spec] of Object.entries(sceneParams(entry))) {
      if (spec.type !== 'number' && spec.type !== 'integer') continue;
      for (const v of [spec.min, spec.max]) {
        const r = resolveScene(name, { ...(name === 'zodiac-lantern' && key !== 'year' ? { animal: 'ox' } : {}), [key]: v });
        expect(r.ok, `${name} ${key}=${v}: ${JSON.stringify(!r.ok && r.errors)}`).toBe(true);
      }
    }
  });

  it('reports an unknown scene, unknown parameters, wrong types and out-of-range values, each with its path', () => {
    expect(resolveScene('dragon-boat')).toEqual({ ok: false, errors: [{ path: '/name', message: expect.stringContaining("unknown scene 'dragon-boat'") }] });
    const r = resolveScene('meteor-shower', { rate: 50, tail: 'long', colour: 'red', direction: 'up', speed: 2 });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual([
      { path: '/params/rate', message: '50 is out of range: must be from 0.05 to 5 (1/s)' },
      { path: '/params/tail', message: 'must be a number from 3 to 120 (px)' },
      { path: '/params/colour', message: expect.stringContaining("unknown parameter 'colour' of scene 'meteor-shower'; known: speed, brightness, rate") },
      { path: '/params/direction', message: 'must be one of forward, reverse' },
    ]);
    const c = resolveScene('warm-white', { color: 'beige' });
    expect(!c.ok && c.errors[0]?.message).toContain('#rrggbb');
  });

  it('applies the common speed and brightness parameters', () => {
    const r = resolveScene('carp', { speed: 2, brightness: 0.5 });
    expect(r.ok && r.scene.speed).toBe(2);
    expect(r.ok && r.scene.brightness).toBe(0.5);
    const q = resolveScene('quiet-hours', { brightness: 0.5 });
    expect(q.ok && q.scene.brightness).toBeCloseTo(0.06);
  });

  it('picks the zodiac animal from animal, year, date or the start time', () => {
    const title = (p: Record<string, unknown>, at?: number) => {
      const r = resolveScene('zodiac-lantern', p, at === undefined ? {} : { at });
      return r.ok ? r.scene.title?.en : r.errors[0]?.message;
    };
    expect(title({ animal: 'rabbit' })).toBe('Zodiac lantern: rabbit');
    expect(title({ year: 2021 })).toBe('Zodiac lantern: ox');
    expect(title({ date: '2025-01-28' })).toBe('Zodiac lantern: dragon');
    expect(title({ date: '2025-01-29' })).toBe('Zodiac lantern: snake');
    expect(title({}, Date.UTC(2021, 1, 11, 16))).toBe('Zodiac lantern: ox'); // 00:00 on New Year's Day in China
    expect(title({})).toContain("needs 'animal', 'year' or 'date'");
  });

  it('ox-lantern is the zodiac lantern of the Year of the Ox', () => {
    const layout = mixedLayout();
    const a = new Renderer(layout);
    const b = new Renderer(layout);
    const ox = resolveScene('ox-lantern');
    const zodiac = resolveScene('zodiac-lantern', { year: 2021 });
    if (!ox.ok || !zodiac.ok) throw new Error('unresolved');
    a.play(ox.scene, { seed: 3 });
    b.play(zodiac.scene, { seed: 3 });
    for (const t of [0, 700, 3000]) expect(Array.from(a.render(t))).toEqual(Array.from(b.render(t)));
  });
});
