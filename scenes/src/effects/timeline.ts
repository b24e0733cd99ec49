import Type from 'typebox';
import { deriveSeed } from '../random.js';
import { defineEffect, effectSchema, kind, smooth, type EffectInstance, type EffectSpec, type Issue } from './shared.js';

const Cue = Type.Object(
  {
    atMs: Type.Number({ minimum: 0, maximum: 86_400_000, description: 'when the cue starts, from the start of the timeline', 'x-unit': 'ms' }),
    fadeMs: Type.Optional(Type.Number({ minimum: 0, maximum: 3_600_000, default: 0, description: 'crossfade from the previous cue', 'x-unit': 'ms' })),
    effect: Type.Object({ type: Type.String() }, { additionalProperties: true, description: 'the effect of this cue', 'x-kind': 'effect' }),
  },
  { additionalProperties: false },
);

const schema = effectSchema(
  {
    type: kind('timeline'),
    cues: Type.Array(Cue, { minItems: 1, maxItems: 64, description: 'cue list, in time order' }),
    loopMs: Type.Optional(Type.Number({ minimum: 1, maximum: 86_400_000, description: 'repeat the cue list with this period', 'x-unit': 'ms' })),
  },
  'scripted cue list: "at 0 s steady red, at 5 s fade to gold over 2 s"',
);

/** Nesting depth of timelines inside timelines. */
export const MAX_TIMELINE_DEPTH = 3;

const BLACK: EffectInstance = {
  frame() {},
  fill(out, o, n) {
    out.fill(0, o, o + 3 * n);
  },
  pixel(_i, out, o) {
    out[o] = 0;
    out[o + 1] = 0;
    out[o + 2] = 0;
  },
};

/**
 * Timeline: a cue list. Each cue starts its effect at `atMs` (the effect's own time starts there too)
 * and crossfades from the previous cue over `fadeMs`. Before the first cue the output is black; with
 * `loopMs` the list repeats, the first cue fading from the last.
 */
export const timeline = defineEffect({
  type: 'timeline',
  summary: 'scripted cue list with crossfades, optionally looping',
  schema,
  check(p, path, ctx) {
    const issues: Issue[] = [];
    if (ctx.depth >= MAX_TIMELINE_DEPTH) issues.push({ path, message: `timelines nest at most ${MAX_TIMELINE_DEPTH} deep` });
    p.cues.forEach((cue, i) => {
      const prev = p.cues[i - 1];
      if (prev && cue.atMs < prev.atMs) issues.push({ path: `${path}/cues/${i}/atMs`, message: `cues must be in time order: ${cue.atMs} ms comes before the previous cue's ${prev.atMs} ms` });
      issues.push(...ctx.checkEffect(cue.effect, `${path}/cues/${i}/effect`, ctx.depth + 1));
    });
    const last = p.cues[p.cues.length - 1];
    if (p.loopMs !== undefined && last && p.loopMs <= last.atMs) {
      issues.push({ path: `${path}/loopMs`, message: `loopMs (${p.loopMs} ms) must be after the last cue (${last.atMs} ms)` });
    }
    return issues;
  },
  create(p, ctx) {
    const cues = p.cues.map((c, i) => ({
      at: c.atMs,
      fade: c.fadeMs ?? 0,
      fx: ctx.create(c.effect as EffectSpec, deriveSeed(ctx.seed, i)),
    }));
    const loop = p.loopMs ?? 0;
    const tmp = new Float32Array(3);
    let cur: EffectInstance = BLACK;
    let prev: EffectInstance = BLACK;
    let k = 1;
    return {
      frame(t, s, length) {
        const looped = loop > 0 && t >= loop;
        const tt = loop > 0 && t >= 0 ? t % loop : t;
        let idx = -1;
        for (let i = 0; i < cues.length && cues[i]!.at <= tt; i++) idx = i;
        const last = cues[cues.length - 1]!;
        if (idx < 0) {
          // Before the first cue: black, or the last cue still playing from the previous loop.
          cur = looped ? last.fx : BLACK;
          if (looped) last.fx.frame(tt + loop - last.at, s, length);
          k = 1;
          return;
        }
        const c = cues[idx]!;
        cur = c.fx;
        c.fx.frame(tt - c.at, s, length);
        k = c.fade > 0 ? smooth((tt - c.at) / c.fade) : 1;
        if (k < 1) {
          const pc = idx > 0 ? cues[idx - 1]! : looped ? last : null;
          prev = pc ? pc.fx : BLACK;
          if (pc) pc.fx.frame(pc === last && idx === 0 ? tt + loop - last.at : tt - pc.at, s, length);
        }
      },
      fill(out, o, n) {
        for (let i = 0; i < n; i++, o += 3) this.pixel(i, out, o);
      },
      pixel(i, out, o) {
        cur.pixel(i, out, o);
        if (k < 1) {
          prev.pixel(i, tmp, 0);
          out[o] = tmp[0]! + (out[o]! - tmp[0]!) * k;
          out[o + 1] = tmp[1]! + (out[o + 1]! - tmp[1]!) * k;
          out[o + 2] = tmp[2]! + (out[o + 2]! - tmp[2]!) * k;
        }
      },
    };
  },
});
