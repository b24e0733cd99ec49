import { describe, expect, it } from 'vitest';
import { STANDBY_WATTS, meanScenePowerModel, renderedScenePowerModel, type PowerInput } from '../src/power.js';

const base: PowerInput = { fixture: 'pixels', channels: 300, ratedWatts: 72, power: 'on', brightness: 255, scene: null, sceneTimeMs: 10_000 };

describe('rendered scene power model', () => {
  it('meters the rendered frame: standby when off, near the rating for full steady light', () => {
    expect(renderedScenePowerModel({ ...base, power: 'off' })).toBe(STANDBY_WATTS);
    const full = renderedScenePowerModel({ ...base, scene: { name: 'warm-white' } });
    expect(full).toBeGreaterThan(STANDBY_WATTS + 0.3 * 72);
    expect(full).toBeLessThanOrEqual(STANDBY_WATTS + 72 + 1e-9);
  });

  it('follows brightness and the scene: quiet hours draw a fraction of warm white', () => {
    const warm = renderedScenePowerModel({ ...base, scene: { name: 'warm-white' } });
    const dim = renderedScenePowerModel({ ...base, brightness: 64, scene: { name: 'warm-white' } });
    const quiet = renderedScenePowerModel({ ...base, scene: { name: 'quiet-hours' } });
    expect(dim).toBeLessThan(warm * 0.5);
    expect(quiet).toBeLessThan(warm * 0.5);
  });

  it('is deterministic and falls back to the mean model for scenes outside the catalog', () => {
    const input = { ...base, fixture: 'rgb' as const, channels: 3, ratedWatts: 90, scene: { name: 'carp', seed: 3 } };
    expect(renderedScenePowerModel(input)).toBe(renderedScenePowerModel(input));
    const stored = { ...base, scene: { name: 'evening-red' } };
    expect(renderedScenePowerModel(stored)).toBe(meanScenePowerModel(stored));
  });
});
