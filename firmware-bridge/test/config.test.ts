/** The gateway config: defaults, unknown keys refused by name, wiring mistakes caught before any pin is touched. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseRegistryFile } from '../../controller/src/registry/load.js';
import { FirmataBoardLink, resolveBridgeConfig, serialTransport } from '../src/index.js';
import { BRIDGE_COUNTY } from './helpers.js';

const minimal = {
  compound: 'alpha',
  bridge: 'b1',
  mqtt: { url: 'mqtt://127.0.0.1:1883', password: 'secret' },
  boards: [{ id: 'uno', port: '/dev/ttyUSB0' }],
  groups: [{ id: 'g01', fixtures: [{ kind: 'dimmer', pins: [9] }] }],
};

describe('bridge config', () => {
  it('fills in the defaults', () => {
    const c = resolveBridgeConfig(minimal);
    expect(c).toMatchObject({ fps: 40, dataDir: 'var/bridge', kiosks: [], telemetryIntervalMs: 5000, mqtt: { keepaliveS: 30 } });
    expect(c.boards[0]).toMatchObject({ baudRate: 57_600, readyTimeoutMs: 10_000 });
    expect(c.groups[0]!.fixtures[0]!.ratedWatts).toBe(100);
  });

  it('refuses unknown keys by name, at any depth', () => {
    expect(() => resolveBridgeConfig({ ...minimal, colour: 'red' })).toThrow("unknown key 'colour'");
    expect(() => resolveBridgeConfig({ ...minimal, mqtt: { ...minimal.mqtt, user: 'x' } })).toThrow("unknown key 'mqtt.user'");
    expect(() => resolveBridgeConfig({ ...minimal, boards: [{ id: 'uno', port: 'emulated', baud: 9600 }] })).toThrow("unknown key 'boards.0.baud'");
  });

  it('catches wiring mistakes: pin counts, pins wired twice, unknown boards', () => {
    expect(() => resolveBridgeConfig({ ...minimal, groups: [{ id: 'g01', fixtures: [{ kind: 'rgb', pins: [3, 5] }] }] })).toThrow(/needs 3 pin\(s\), got 2/);
    expect(() =>
      resolveBridgeConfig({
        ...minimal,
        kiosks: [{ id: 'k1', buttons: [{ pin: 9, button: 'help' }] }],
      }),
    ).toThrow(/kiosk 'k1' button help: pin 9 of board 'uno' is already wired to group 'g01' fixture 0 \(dimmer\)/);
    expect(() => resolveBridgeConfig({ ...minimal, groups: [{ id: 'g01', fixtures: [{ kind: 'relay', pins: [7], board: 'mega' }] }] })).toThrow(/no board 'mega'/);
    expect(() => resolveBridgeConfig({ ...minimal, kiosks: [{ id: 'k1', buttons: [{ pin: 2, button: 'thumbs_up' }] }] })).toThrow(/\/kiosks\/0\/buttons\/0\/button/);
  });

  it('a serial port that does not exist is reported with the path and the reason', async () => {
    const link = new FirmataBoardLink({ id: 'uno', port: '/dev/ttyCAIDENG-NONE', baudRate: 57_600, readyTimeoutMs: 5000, reconnectMs: 60_000 }, () =>
      serialTransport('/dev/ttyCAIDENG-NONE'),
    );
    const reason = new Promise<string>((resolve) => link.once('lost', resolve));
    link.start();
    expect(await reason).toMatch(/^board 'uno' at \/dev\/ttyCAIDENG-NONE: .*(No such file|cannot open)/);
    link.stop();
  });
});

describe('the registry records which bridge serves which devices', () => {
  const doc = () => JSON.parse(readFileSync(BRIDGE_COUNTY, 'utf8'));
  const compound = (d: any) => d.streets[0].communities[0].compounds[0];

  it('maps the bridge to its groups and kiosks, and serves the API the bridge without them', () => {
    const { county, bridgeServes } = parseRegistryFile(doc());
    expect(bridgeServes.get('alpha/bridge/b1')).toEqual(['alpha/group/g01', 'alpha/group/g02', 'alpha/group/g03', 'alpha/kiosk/k1']);
    expect(county.compounds[0]!.bridges).toEqual([{ id: 'b1', name: '网关' }]);
  });

  it('refuses a bridge serving a device the compound does not have, or one another bridge serves', () => {
    const unknown = doc();
    compound(unknown).bridges[0].groups.push('g99');
    expect(() => parseRegistryFile(unknown)).toThrow(/bridge 'b1' serves group 'g99', which compound 'alpha' does not have/);
    const twice = doc();
    compound(twice).bridges.push({ id: 'b2', name: '二号网关', kiosks: ['k1'] });
    expect(() => parseRegistryFile(twice)).toThrow(/kiosk 'k1' of compound 'alpha' is served by both bridge 'b1' and 'b2'/);
  });
});
