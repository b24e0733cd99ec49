/** The gateway config: defaults, unknown keys refused by name, wiring mistakes caught before any pin is touched. */
import { describe, expect, it } from 'vitest';
import { FirmataBoardLink, resolveBridgeConfig, serialTransport } from '../src/index.js';

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
