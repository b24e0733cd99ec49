/**
 * Flash safety. A whole group of lanterns flashing is a whole-field flash for the people in the
 * courtyard; like WCAG 2.3.1 we allow no more than three flashes in any one second.
 *
 * Definitions (shared with the tests, which count independently):
 * - field level: the light of the whole group as a fraction of its full output, i.e. the frame's
 *   power weighted by each channel's rated watts (LED light is close to proportional to power).
 * - transition: a swing of the field level of at least FLASH_THRESHOLD away from the last extreme,
 *   in the opposite direction to the previous swing (hysteresis, so small ripples are not counted).
 * - a flash is two opposing transitions, so "at most 3 flashes per second" is at most
 *   2 × FLASH_MAX_PER_SECOND transitions in any window (t − 1000 ms, t].
 *
 * The governor sits at the very end of the renderer. When a frame would complete one transition
 * too many, it blends the frame towards the previous output just enough to stay inside the band
 * (relays hold their state), so the picture still moves but the whole field does not flash.
 * It needs frames in time order; a step back in time or a gap over a second starts afresh.
 */
import type { Layout } from './fixtures.js';

export const FLASH_MAX_PER_SECOND = 3;
/** Field-level change that counts as a transition: 20 % of the group's full output. */
export const FLASH_THRESHOLD = 0.2;
export const FLASH_WINDOW_MS = 1000;
const MAX_TRANSITIONS = 2 * FLASH_MAX_PER_SECOND;

/** Field level of a frame in [0, 1]: power-weighted mean output. */
export function fieldLevel(frame: Uint8Array, weights: Float32Array): number {
  let sum = 0;
  for (let c = 0; c < frame.length; c++) sum += frame[c]! * weights[c]!;
  return sum / 255;
}

/** Channel weights for fieldLevel: rated watts per channel, normalised to sum 1 (equal if no watts). */
export function fieldWeights(layout: Layout): Float32Array {
  const w = new Float32Array(layout.channelCount);
  let total = 0;
  for (let c = 0; c < w.length; c++) total += layout.channelWatts[c]!;
  for (let c = 0; c < w.length; c++) w[c] = total > 0 ? layout.channelWatts[c]! / total : 1 / w.length;
  return w;
}

export class FlashGovernor {
  private readonly weights: Float32Array;
  private readonly prev: Uint8Array;
  private readonly times = new Float64Array(MAX_TRANSITIONS);
  private count = 0; // transitions recorded in `times` (ring)
  private head = 0;
  private dir = 0; // +1 rising, -1 falling, 0 none yet
  private ref = 0; // extreme since the last transition (or the starting level)
  private lastT = Number.NaN;
  private lastField = 0;
  /** Frames the governor had to hold back, for tests and diagnostics. */
  held = 0;

  constructor(layout: Layout, private readonly relays: Uint8Array) {
    this.weights = fieldWeights(layout);
    this.prev = new Uint8Array(layout.channelCount);
  }

  reset(): void {
    this.lastT = Number.NaN;
  }

  /** Limits `frame` (in place) given it is shown at tMs. */
  apply(tMs: number, frame: Uint8Array): void {
    let f = fieldLevel(frame, this.weights);
    if (!(tMs >= this.lastT) || tMs - this.lastT > FLASH_WINDOW_MS) {
      this.count = 0;
      this.dir = 0;
      this.ref = f;
    } else if (this.completes(f) && this.recent(tMs) >= MAX_TRANSITIONS) {
      f = this.hold(frame, f);
    }
    this.track(tMs, f);
    this.prev.set(frame);
    this.lastT = tMs;
    this.lastField = f;
  }

  private completes(f: number): boolean {
    if (this.dir >= 0 && f <= this.ref - FLASH_THRESHOLD) return true;
    if (this.dir <= 0 && f >= this.ref + FLASH_THRESHOLD) return true;
    return false;
  }

  private recent(t: number): number {
    let n = 0;
    for (let i = 0; i < this.count; i++) if (this.times[i]! > t - FLASH_WINDOW_MS) n++;
    return n;
  }

  /** Blends frame towards the previous output so the field stays inside the band; returns the new level. */
  private hold(frame: Uint8Array, f: number): number {
    this.held++;
    const fp = this.lastField;
    const margin = 1 / 255;
    const bound = f > fp ? this.ref + FLASH_THRESHOLD - margin : this.ref - FLASH_THRESHOLD + margin;
    const alpha = f === fp ? 0 : Math.min(1, Math.max(0, (bound - fp) / (f - fp)));
    const prev = this.prev;
    for (let c = 0; c < frame.length; c++) {
      frame[c] = this.relays[c] ? prev[c]! : Math.round(prev[c]! + alpha * (frame[c]! - prev[c]!));
    }
    const g = fieldLevel(frame, this.weights);
    if (!this.completes(g)) return g;
    frame.set(prev);
    return fp;
  }

  private track(t: number, f: number): void {
    if (this.dir > 0 && f > this.ref) this.ref = f;
    else if (this.dir < 0 && f < this.ref) this.ref = f;
    else if (this.completes(f)) {
      this.dir = f > this.ref ? 1 : -1;
      this.ref = f;
      this.times[this.head] = t;
      this.head = (this.head + 1) % MAX_TRANSITIONS;
      if (this.count < MAX_TRANSITIONS) this.count++;
    }
  }
}
