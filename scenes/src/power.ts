/**
 * Power model. A channel at value v draws v/255 of its share of the fixture's rated watts (LED
 * drivers are close to linear in PWM duty); a fixture also draws its standby watts. The controller
 * uses this to show watts, to enforce a brightness cap and to budget a night's energy.
 */
import type { Layout } from './fixtures.js';
import { Renderer, type RendererOptions } from './render.js';
import type { Scene } from './schema.js';

/** Estimated watts of one frame on a layout (standby included). */
export function estimateWatts(frame: Uint8Array, layout: Layout): number {
  const w = layout.channelWatts;
  const n = Math.min(frame.length, w.length);
  let sum = 0;
  for (let c = 0; c < n; c++) sum += frame[c]! * w[c]!;
  return sum / 255 + layout.standbyWatts;
}

export interface EnergyEstimate {
  /** Energy over [fromMs, toMs), watt-hours. */
  wattHours: number;
  averageWatts: number;
  peakWatts: number;
  /** Frames rendered. */
  samples: number;
}

export interface EnergyOptions extends RendererOptions {
  seed?: number;
}

/**
 * Estimated energy of a scene over scene time [fromMs, toMs), sampling every stepMs (each sample
 * stands for its step). Steps over a second skip the flash governor's history; they are estimates.
 */
export function estimateEnergy(scene: Scene, layout: Layout, fromMs: number, toMs: number, stepMs: number, options: EnergyOptions = {}): EnergyEstimate {
  if (!(stepMs > 0) || !(toMs >= fromMs)) throw new RangeError('estimateEnergy needs stepMs > 0 and toMs >= fromMs');
  const steps = Math.ceil((toMs - fromMs) / stepMs);
  if (steps > 10_000_000) throw new RangeError(`estimateEnergy would render ${steps} frames; use a larger step`);
  const r = new Renderer(layout, options);
  r.play(scene, { seed: options.seed ?? 0 });
  const frame = new Uint8Array(layout.channelCount);
  let wattMs = 0;
  let peak = 0;
  for (let i = 0; i < steps; i++) {
    const t = fromMs + i * stepMs;
    const dt = Math.min(stepMs, toMs - t);
    const watts = estimateWatts(r.render(t, frame), layout);
    wattMs += watts * dt;
    if (watts > peak) peak = watts;
  }
  const span = toMs - fromMs;
  return { wattHours: wattMs / 3_600_000, averageWatts: span > 0 ? wattMs / span : 0, peakWatts: peak, samples: steps };
}
