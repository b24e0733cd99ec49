/**
 * Golden frames: a few frames of every built-in scene on a small mixed group, checked in under
 * golden/. A change in rendering fails here; if the change is intended, regenerate with
 *   UPDATE_GOLDEN=1 npx vitest run scenes/test/golden.test.ts
 * and review the diff.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SCENE_NAMES, resolveScene } from '../src/catalog/index.js';
import { Renderer } from '../src/render.js';
import { mixedLayout } from './helpers.js';

const FILE = new URL('./golden/catalog-frames.json', import.meta.url);
const TIMES = [0, 1250, 4000, 9999];
const SEED = 42;

function render(): Record<string, Record<string, string>> {
  const layout = mixedLayout();
  const out: Record<string, Record<string, string>> = {};
  for (const name of SCENE_NAMES) {
    const res = resolveScene(name, name === 'zodiac-lantern' ? { year: 2021 } : {});
    if (!res.ok) throw new Error(JSON.stringify(res.errors));
    // Frames in order at 25 fps, as a player shows them; keep the ones at TIMES.
    const r = new Renderer(layout);
    r.play(res.scene, { seed: SEED });
    const frames: Record<string, string> = {};
    for (let t = 0; t <= TIMES[TIMES.length - 1]!; t += 40) {
      const at = TIMES.find((x) => x >= t && x < t + 40);
      const f = r.render(at ?? t);
      if (at !== undefined) frames[String(at)] = Buffer.from(f).toString('hex');
    }
    out[name] = frames;
  }
  return out;
}

describe('golden frames of the catalog', () => {
  const actual = render();
  if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(FILE, `${JSON.stringify(actual, null, 1)}\n`);
  if (!existsSync(FILE)) throw new Error('golden/catalog-frames.json is missing; generate it with UPDATE_GOLDEN=1');
  const expected = JSON.parse(readFileSync(FILE, 'utf8')) as typeof actual;

  it('covers every built-in scene', () => {
    expect(Object.keys(expected).sort()).toEqual([...SCENE_NAMES].sort());
  });

  it.each(SCENE_NAMES)('%s renders as recorded', (name) => {
    expect(actual[name]).toEqual(expected[name]);
  });
});
