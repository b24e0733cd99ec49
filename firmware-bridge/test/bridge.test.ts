/**
 * End to end, in one process: the real controller (broker, API, store), the bridge, and one emulated Uno
 * running the real StandardFirmata, driven through johnny-five. One board is booted for the whole file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import type { GroupAck } from '@caideng/protocol';
import { connectDevice, endClient, nextMessage, startTestController, subscribe, waitForDevice, type TestController } from '../../controller/test/helpers.js';
import { Bridge, EmulatedUno, FirmataBoardLink, ensureFirmware, type QueuedPress } from '../src/index.js';
import { BRIDGE_COUNTY, PINS, bridgeConfig, expectedDimmer, operatorPost, until } from './helpers.js';

let ctl: TestController;
let uno: EmulatedUno;
let bridge: Bridge;
let monitor: MqttClient;
const CLOCK_SKEW_MS = 7000;

beforeAll(async () => {
  const hex = ensureFirmware();
  ctl = await startTestController({ registryFile: BRIDGE_COUNTY });
  uno = EmulatedUno.fromFile(hex);
  // The gateway's own clock is 7 s fast: scenes must still start on the controller's clock (time.sync).
  bridge = new Bridge(bridgeConfig(ctl, ctl.dataDir), { transports: { uno: () => uno.connect() }, now: () => Date.now() + CLOCK_SKEW_MS });
  const ready = new Promise<void>((resolve) => bridge.once('boardReady', () => resolve()));
  const synced = new Promise<void>((resolve) => bridge.once('timeSync', () => resolve()));
  await bridge.start();
  await Promise.all([ready, synced]);
  monitor = await connectDevice(ctl, 'alpha/monitor/ops');
  await subscribe(monitor, 'caideng/v1/alpha/group/+/ack');
  await waitForDevice(ctl, 'alpha/group/g01', (s) => s.online);
});

afterAll(async () => {
  await endClient(monitor);
  await bridge?.stop();
  uno?.disconnect();
  await ctl?.dispose();
});

const command = (group: string, body: unknown) => operatorPost(ctl, `/api/compounds/alpha/groups/${group}/commands?wait=5000`, body);

describe('firmware bridge on an emulated Uno running StandardFirmata', () => {
  it('plays 荷花灯 (lotus): the PWM duty on pin 9 follows the scene’s frames on the controller’s clock', async () => {
    const scene = { name: 'lotus', params: { bloomMs: 2000 } };
    const res = await command('g01', { power: 'on', scene });
    expect(res.status).toBe(200);
    expect(res.body.deliveries[0].status).toBe('ok');
    const status = await waitForDevice(ctl, 'alpha/group/g01', (s) => s.state?.scene?.name === 'lotus');
    const startAt = status.state!.startAt!;
    // The actual start moment is reported: when the bridge applied the command, on the controller's clock.
    expect(Math.abs(startAt - Date.now())).toBeLessThan(2000);
    // time.sync measured the skew to within half a round trip (a few ms; more on a busy machine).
    const syncError = bridge.offsetMs + CLOCK_SKEW_MS;
    expect(Math.abs(syncError)).toBeLessThan(250);

    const samples: Array<[number, number]> = [];
    const until_ = Date.now() + 1500;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        samples.push([Date.now(), uno.duty(PINS.dimmer)]);
        if (Date.now() >= until_) {
          clearInterval(timer);
          resolve();
        }
      }, 10);
    });
    const expected = expectedDimmer(scene, startAt);
    // Tolerance: the level within 2 of what `scenes` renders, on the bridge's idea of the controller's clock
    // (now + syncError), at some moment in the 200 ms before the sample (one 25 ms frame, the 57,600-baud link,
    // the emulated CPU's pacing on a busy machine) or 10 ms after it, for 95 % of the samples.
    const matches = samples.filter(([t, duty]) => {
      for (let dt = -200; dt <= 10; dt += 2) if (Math.abs(expected(t + syncError + dt) - duty) <= 2) return true;
      return false;
    });
    expect(matches.length / samples.length).toBeGreaterThanOrEqual(0.95);
    const duties = samples.map(([, d]) => d);
    // The scene really moves on the pin (a bloom and a breath within 1.5 s), it is not a constant.
    expect(Math.max(...duties) - Math.min(...duties)).toBeGreaterThan(20);
  });

  it('power off drives every PWM pin to 0', async () => {
    expect((await command('g03', { power: 'on', scene: { name: 'carp' } })).body.deliveries[0].status).toBe('ok');
    await until(() => PINS.rgb.some((p) => uno.duty(p) > 0), 2000, 'the RGB pins to light');
    const res = await operatorPost(ctl, '/api/compounds/alpha/commands?wait=5000', { power: 'off' });
    expect(res.body.deliveries.map((d: { status: string }) => d.status)).toEqual(['ok', 'ok', 'ok']);
    await until(() => [PINS.dimmer, ...PINS.rgb].every((p) => uno.duty(p) === 0), 1000, 'every PWM pin at 0');
  });

  it('a relay group switches its digital pin', async () => {
    expect((await command('g02', { power: 'on' })).body.deliveries[0].status).toBe('ok');
    await until(() => uno.digital(PINS.relay), 1000, 'the relay pin high');
    expect((await command('g02', { power: 'off' })).body.deliveries[0].status).toBe('ok');
    await until(() => !uno.digital(PINS.relay), 1000, 'the relay pin low');
  });

  it('plays a stored (user) scene, fetched from the controller with scene.get', async () => {
    const created = await operatorPost(ctl, '/api/scenes', { name: 'evening-red', title: { zh: '傍晚红' }, layers: [{ effect: { type: 'steady', color: 'china-red' } }] });
    expect(created.status).toBe(201);
    expect((await command('g03', { power: 'on', scene: { name: 'evening-red' } })).body.deliveries[0].status).toBe('ok');
    const [r, g, b] = PINS.rgb;
    await until(() => uno.duty(r) > 150 && uno.duty(g) < 40 && uno.duty(b) < 40, 2000, 'china red on the RGB pins');
    expect((await command('g03', { power: 'off' })).body.deliveries[0].status).toBe('ok');
    await until(() => PINS.rgb.every((p) => uno.duty(p) === 0), 1000, 'the RGB pins dark');
  });

  it('malformed commands are rejected with a reason and never reach the board', async () => {
    const writes = bridge.boards.get('uno')!.counters.writes;
    const topic = 'caideng/v1/alpha/group/g01/set';
    // Straight into the broker, past the controller's own checks: what a broken or hostile publisher could send.
    const inject = (payload: string) =>
      new Promise<void>((resolve, reject) =>
        ctl.broker.aedes.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain: false, dup: false }, (err) => (err ? reject(err) : resolve())),
      );
    const rejected: string[] = [];
    bridge.on('command', (_g, status, reason) => {
      if (status === 'error') rejected.push(reason ?? '');
    });
    const ack = (tx: string) => nextMessage<GroupAck>(monitor, 'caideng/v1/alpha/group/g01/ack', (a) => a.tx === tx);
    const ts = Date.now();

    await inject('{not json');
    await until(() => rejected.length === 1, 2000, 'the bad JSON to be rejected');
    expect(rejected[0]).toMatch(/not valid JSON/);

    const tooBright = ack('bad-brightness');
    await inject(JSON.stringify({ v: 1, tx: 'bad-brightness', ts, brightness: 999 }));
    expect(await tooBright).toMatchObject({ status: 'error', code: 'CAIDENG_MQTT_BAD_PAYLOAD', error: expect.stringMatching(/brightness/) });

    const unknown = ack('bad-scene');
    await inject(JSON.stringify({ v: 1, tx: 'bad-scene', ts, power: 'on', scene: { name: 'no-such-scene' } }));
    expect(await unknown).toMatchObject({ status: 'error', code: 'CAIDENG_ERR_SCENE_NOT_FOUND', error: expect.stringMatching(/unknown scene 'no-such-scene'/) });

    const outOfRange = ack('bad-param');
    await inject(JSON.stringify({ v: 1, tx: 'bad-param', ts, power: 'on', scene: { name: 'lotus', params: { bloomMs: 1 } } }));
    expect(await outOfRange).toMatchObject({ status: 'error', code: 'CAIDENG_ERR_SCENE_INVALID', error: expect.stringMatching(/bloomMs/) });

    // Nothing was written to the board and the group is still off.
    expect(bridge.boards.get('uno')!.counters.writes).toBe(writes);
    expect(uno.duty(PINS.dimmer)).toBe(0);
    expect(bridge.groups.get('g01')!.logic.power).toBe('off');
  });

  it('a press made on the emulated button pin is stored exactly once, and the kiosk LED lights on the receipt', async () => {
    const pressed = new Promise<QueuedPress>((resolve) => bridge.once('press', resolve));
    const stored = new Promise<void>((resolve) => ctl.bus.on('press.stored', {}, () => resolve()));
    uno.setInput(PINS.satisfied, false);
    const press = await pressed;
    uno.setInput(PINS.satisfied, true);
    await stored;
    await until(() => uno.digital(PINS.led), 2000, 'the kiosk LED to light');
    expect(bridge.queue.size).toBe(0);
    const rows = await ctl.db.selectFrom('kiosk_presses').selectAll().where('kiosk_id', '=', 'k1').execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ compound_id: 'alpha', button: 'satisfied', seq: press.event.seq, boot: press.event.boot });
    expect(Number(rows[0]!.device_ts)).toBe(press.event.ts);
    await until(() => !uno.digital(PINS.led), 2000, 'the kiosk LED to go out');
  });

  it('a board unplugged and plugged back is re-initialised and resumes the current frame', async () => {
    expect((await command('g02', { power: 'on' })).body.deliveries[0].status).toBe('ok');
    await until(() => uno.digital(PINS.relay), 1000, 'the relay pin high');
    const lost = new Promise<string>((resolve) => bridge.once('boardLost', (_b, reason) => resolve(reason)));
    uno.unplug();
    expect(await lost).toMatch(/disconnected|closed/);
    // While the board is away the group's telemetry says so.
    await waitForDevice(ctl, 'alpha/group/g02', (s) => s.faults?.includes('comm_loss') === true, 3000);
    const back = new Promise<void>((resolve) => bridge.once('boardReady', () => resolve()));
    uno.plug();
    await back;
    await until(() => uno.digital(PINS.relay), 1000, 'the relay pin high again after the replug');
    await waitForDevice(ctl, 'alpha/group/g02', (s) => s.faults?.length === 0, 3000);
  });

  it('a board that never answers as Firmata is reported with a clear error', async () => {
    const silent = EmulatedUno.fromFile(ensureFirmware('Blink'));
    const link = new FirmataBoardLink({ id: 'dead', port: 'emulated', baudRate: 57_600, readyTimeoutMs: 1000, reconnectMs: 60_000 }, () => silent.connect());
    const reason = new Promise<string>((resolve) => link.once('lost', resolve));
    link.start();
    expect(await reason).toBe("board 'dead' at emulated did not answer as Firmata within 1000 ms: is StandardFirmata flashed and the link at 57600 baud?");
    expect(link.problem).toMatch(/did not answer/);
    link.stop();
  });

  it('when the bridge goes offline, its groups and kiosks show as unreachable', async () => {
    await waitForDevice(ctl, 'alpha/kiosk/k1', (s) => s.online);
    bridge.kill();
    await waitForDevice(ctl, 'alpha/bridge/b1', (s) => !s.online);
    await waitForDevice(ctl, 'alpha/group/g01', (s) => !s.online);
    await waitForDevice(ctl, 'alpha/group/g02', (s) => !s.online);
    await waitForDevice(ctl, 'alpha/kiosk/k1', (s) => !s.online);
  });
});
