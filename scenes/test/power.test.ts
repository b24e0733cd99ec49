import { describe, expect, it } from 'vitest';
import { createLayout, layoutForGroup } from '../src/fixtures.js';
import { estimateEnergy, estimateWatts } from '../src/power.js';
import { Renderer, renderFrame } from '../src/render.js';
import type { Scene } from '../src/schema.js';

const white: Scene = { layers: [{ effect: { type: 'steady', color: 'white' } }] };

describe('power model', () => {
  it.each([
    ['dimmer', 8],
    ['relay', 4],
    ['rgb', 24],
    ['rgbw', 32],
    ['pixels', 900],
  ] as const)('a %s group of %i channels draws its rated watts at full white and standby when dark', (kind, channels) => {
    const layout = layoutForGroup({ kind, channels, ratedWatts: 120, standbyWatts: 2 });
    expect(layout.channelCount).toBe(channels);
    const full = renderFrame(kind === 'rgbw' ? { layers: [{ effect: { type: 'steady', color: 'white' } }] } : white, layout, 0);
    // RGBW white uses the white channel only: a quarter of the rated power.
    expect(estimateWatts(full, layout)).toBeCloseTo(kind === 'rgbw' ? 32 : 122, 3);
    expect(estimateWatts(new Uint8Array(channels), layout)).toBeCloseTo(2, 6);
  });

  it('halves with brightness 50 % (brightness is linear in power)', () => {
    const layout = layoutForGroup({ kind: 'dimmer', channels: 4, ratedWatts: 100 });
    expect(estimateWatts(renderFrame(white, layout, 0, { brightness: 127.5 }), layout)).toBeCloseTo(50, 0);
  });

  it('integrates energy over time', () => {
    const layout = layoutForGroup({ kind: 'pixels', channels: 300, ratedWatts: 30 });
    const e = estimateEnergy(white, layout, 0, 3_600_000, 60_000);
    expect(e.wattHours).toBeCloseTo(30, 6);
    expect(e.averageWatts).toBeCloseTo(30, 6);
    expect(e.peakWatts).toBeCloseTo(30, 6);
    expect(e.samples).toBe(60);
    const fade: Scene = { gamma: 1, layers: [{ effect: { type: 'fade', from: 'black', to: 'white', durationMs: 3_600_000, easing: 'linear' } }] };
    expect(estimateEnergy(fade, layout, 0, 3_600_000, 1000).wattHours).toBeCloseTo(15, 0);
  });

  it('caps power with maxWatts', () => {
    const layout = layoutForGroup({ kind: 'pixels', channels: 3000, ratedWatts: 60 });
    const r = new Renderer(layout, { maxWatts: 20 });
    r.play(white);
    expect(estimateWatts(r.render(0), layout)).toBeLessThanOrEqual(20);
    expect(estimateWatts(r.render(0), layout)).toBeGreaterThan(19);
  });

  it('rejects bad layouts with a message naming the fixture', () => {
    expect(() => createLayout([{ id: 'a', kind: 'pixels', ratedWatts: 1 }])).toThrow(/fixture 0 \('a'\): pixels/);
    expect(() => createLayout([{ id: 'a', kind: 'dimmer', ratedWatts: 1 }, { id: 'a', kind: 'dimmer', ratedWatts: 1 }])).toThrow(/duplicate/);
    expect(() => layoutForGroup({ kind: 'rgb', channels: 10, ratedWatts: 1 })).toThrow(/divisible by 3/);
  });
});
