/**
 * Output stage: linear colour per point → channel values 0–255 per fixture kind, through one gamma
 * and brightness lookup table (no Math.pow per channel).
 */
import type { Layout } from './fixtures.js';

/** Entries of the gamma table: input is quantized to 12 bits before gamma. */
export const GAMMA_STEPS = 4096;

/**
 * Table from a 12-bit input level to the channel value: round(255 × scale × level^gamma). `scale`
 * (0–1) is the brightness, applied after gamma so that it scales power linearly.
 */
export function gammaTable(gamma: number, scale: number, into = new Uint8Array(GAMMA_STEPS)): Uint8Array {
  const s = Math.min(1, Math.max(0, scale));
  for (let q = 0; q < GAMMA_STEPS; q++) into[q] = Math.round(255 * s * Math.pow(q / (GAMMA_STEPS - 1), gamma));
  return into;
}

const TOP = GAMMA_STEPS - 1;

function level(v: number): number {
  const q = (v * TOP + 0.5) | 0; // NaN | 0 === 0
  return q < 0 ? 0 : q > TOP ? TOP : q;
}

/**
 * Maps linear colour to channels. dimmer = the brightest of r, g, b (a single-colour lantern shows
 * the scene's level); relay = on from half level, unless brightness is 0; rgbw = white drawn from
 * the common part of r, g, b.
 */
export function writeChannels(acc: Float32Array, layout: Layout, lut: Uint8Array, relaysEnabled: boolean, out: Uint8Array): void {
  for (const f of layout.fixtures) {
    const p = f.pointStart * 3;
    const c = f.channelStart;
    switch (f.kind) {
      case 'pixels':
      case 'rgb': {
        const n = f.points * 3;
        for (let j = 0; j < n; j++) out[c + j] = lut[level(acc[p + j]!)]!;
        break;
      }
      case 'rgbw': {
        const r = acc[p]!, g = acc[p + 1]!, b = acc[p + 2]!;
        const w = Math.min(r, g, b);
        out[c] = lut[level(r - w)]!;
        out[c + 1] = lut[level(g - w)]!;
        out[c + 2] = lut[level(b - w)]!;
        out[c + 3] = lut[level(w)]!;
        break;
      }
      case 'dimmer':
        out[c] = lut[level(Math.max(acc[p]!, acc[p + 1]!, acc[p + 2]!))]!;
        break;
      case 'relay':
        out[c] = relaysEnabled && Math.max(acc[p]!, acc[p + 1]!, acc[p + 2]!) >= 0.5 ? 255 : 0;
        break;
    }
  }
}

/** Per-channel flag: 1 for relay channels (they can only switch, never blend). */
export function relayChannels(layout: Layout): Uint8Array {
  const flags = new Uint8Array(layout.channelCount);
  for (const f of layout.fixtures) if (f.kind === 'relay') flags[f.channelStart] = 1;
  return flags;
}
