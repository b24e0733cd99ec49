/** Compound summaries kept incrementally agree with a recount over every device, whatever the changes. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CompoundSummary, DeviceStatus } from '@caideng/protocol';
import { CompoundSummaries } from '../src/features/devices/summaries.js';

function recount(compounds: string[], devices: DeviceStatus[]): CompoundSummary[] {
  return compounds.map((id) => {
    const s: CompoundSummary = { id, groups: 0, groupsOnline: 0, kiosks: 0, kiosksOnline: 0, faults: 0, watts: 0 };
    for (const d of devices.filter((x) => x.compound === id)) {
      if (d.kind === 'group') {
        s.groups++;
        if (d.online) {
          s.groupsOnline++;
          s.watts += d.watts ?? 0;
        }
        if (d.faults && d.faults.length > 0) s.faults++;
      } else if (d.kind === 'kiosk') {
        s.kiosks++;
        if (d.online) s.kiosksOnline++;
      }
    }
    s.watts = Math.round(s.watts * 10) / 10;
    return s;
  });
}

describe('CompoundSummaries', () => {
  it('equals a recount after any sequence of changes', () => {
    const compounds = ['a', 'b', 'c'];
    const change = fc.record({
      device: fc.nat({ max: 11 }),
      online: fc.boolean(),
      watts: fc.option(fc.double({ min: 0, max: 500, noNaN: true }), { nil: undefined }),
      faults: fc.option(fc.constantFrom([], ['lamp-failure'], ['overheat', 'lamp-failure']), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(change, { maxLength: 200 }), (changes) => {
        const devices: DeviceStatus[] = Array.from({ length: 12 }, (_, i) => ({
          compound: compounds[i % 3]!,
          kind: i % 4 === 3 ? 'kiosk' : i === 10 ? 'bridge' : 'group',
          id: `d${i}`,
          online: i % 2 === 0,
          since: 0,
          ...(i % 3 === 0 ? { watts: 12.5 } : {}),
        }));
        const totals = new CompoundSummaries();
        for (const c of compounds) totals.addCompound(c);
        for (const d of devices) totals.addDevice(d);
        for (const ch of changes) {
          const d = devices[ch.device]!;
          d.online = ch.online;
          if (ch.watts !== undefined) d.watts = ch.watts;
          if (ch.faults !== undefined) d.faults = ch.faults;
          totals.update(d);
        }
        expect(totals.list()).toEqual(recount(compounds, devices));
        expect(totals.get('b')).toEqual(recount(compounds, devices)[1]);
      }),
      { numRuns: 300 },
    );
  });
});
