import { parseColor } from '../color.js';
import { HASH30_UNIT, hash30, hashUnit } from '../random.js';
import { choice, color, defineEffect, effectSchema, kind, num, withDefaults } from './shared.js';

const schema = effectSchema(
  {
    type: kind('meteor'),
    color: color('white', 'colour of the head'),
    tailColor: color('ice-blue', 'colour the tail fades through'),
    background: color('black', 'sky colour'),
    rate: num(0.01, 20, 0.5, '1/s', 'meteors per strand per second, on average'),
    speed: num(1, 2000, 60, 'px/s', 'average head speed (each meteor ±30 %)'),
    tail: num(1, 500, 20, 'px', 'tail length'),
    sparkle: num(0, 1, 0.4, 'fraction', 'how much the tail crackles'),
    direction: choice(['forward', 'reverse'] as const, 'forward', 'which end the meteors start from'),
  },
  'meteors with decaying tails, spawned at random from the seed',
);

/** At most this many meteors per strand are drawn at once (the most recent); keeps the pixel loop bounded. */
export const MAX_METEORS = 32;

/**
 * Meteor (流星雨): time is cut into slots of 1/rate seconds; each slot spawns one meteor at a random
 * moment within it, with its own speed. A meteor is a bright head with a tail that fades
 * from `color` through `tailColor`, crackling at random per pixel.
 */
export const meteor = defineEffect({
  type: 'meteor',
  summary: 'meteors with bright heads and fading, crackling tails, at random times from the seed',
  schema,
  create(params, ctx) {
    const p = withDefaults(schema, params);
    const head = parseColor(p.color);
    const tailC = parseColor(p.tailColor);
    const bg = parseColor(p.background);
    const slotMs = 1000 / p.rate;
    const reverse = p.direction === 'reverse';
    const seed = ctx.seed;
    const pos = new Float64Array(MAX_METEORS);
    const ids = new Int32Array(MAX_METEORS);
    let count = 0;
    let strand = 0;
    let n = 1;
    return {
      frame(t, s, length) {
        strand = s;
        n = length;
        count = 0;
        // The slowest meteor (0.7 × speed) crosses length + tail pixels in lifeMs.
        const lifeMs = ((length + p.tail) / (p.speed * 0.7)) * 1000;
        const last = Math.floor(t / slotMs);
        const first = Math.max(last - Math.ceil(lifeMs / slotMs), last - MAX_METEORS * 4);
        for (let k = last; k >= first && count < MAX_METEORS; k--) {
          const born = (k + hashUnit(seed, s, k, 1)) * slotMs;
          if (born > t) continue;
          const v = p.speed * (0.7 + 0.6 * hashUnit(seed, s, k, 2));
          const x = ((t - born) * v) / 1000;
          if (x - p.tail >= length) continue;
          pos[count] = x;
          ids[count] = k;
          count++;
        }
      },
      fill(out, o, n) {
        for (let i = 0; i < n; i++, o += 3) this.pixel(i, out, o);
      },
      pixel(i, out, o) {
        const x = reverse ? n - 1 - i : i;
        let best = 0;
        let bestD = 0;
        for (let m = 0; m < count; m++) {
          const d = pos[m]! - x; // pixels behind the head
          let b = 0;
          if (d >= 0 && d < p.tail) {
            b = 1 - d / p.tail; // linear before gamma: the output gamma already makes the tail fall off fast
            if (p.sparkle > 0 && d >= 1) b *= 1 - p.sparkle * hash30(seed, strand, ids[m]!, x) * HASH30_UNIT;
          } else if (d > -1 && d < 0) {
            b = 1 + d; // the head entering its next pixel
          }
          if (b > best) {
            best = b;
            bestD = d;
          }
        }
        // Near the head the colour is the head colour; down the tail it turns to the tail colour.
        const w = bestD <= 1 ? 0 : Math.min(1, bestD / (p.tail * 0.5));
        const c0 = head[0] + (tailC[0] - head[0]) * w;
        const c1 = head[1] + (tailC[1] - head[1]) * w;
        const c2 = head[2] + (tailC[2] - head[2]) * w;
        out[o] = bg[0] + (c0 - bg[0]) * best;
        out[o + 1] = bg[1] + (c1 - bg[1]) * best;
        out[o + 2] = bg[2] + (c2 - bg[2]) * best;
      },
    };
  },
});
