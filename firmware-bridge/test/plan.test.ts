/**
 * The bridge and the compound's retained plan: with the controller gone, the gateway's groups take the plan's
 * next change at its time — here a curfew's off — on the board itself, and keep it when nobody is there to ask.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestController, type TestController } from '../../controller/test/helpers.js';
import { Bridge, EmulatedUno, ensureFirmware } from '../src/index.js';
import { BRIDGE_COUNTY, PINS, bridgeConfig, operatorPost, until } from './helpers.js';

let ctl: TestController;
let uno: EmulatedUno;
let bridge: Bridge;

beforeAll(async () => {
  ctl = await startTestController({ registryFile: BRIDGE_COUNTY });
  uno = EmulatedUno.fromFile(ensureFirmware());
  bridge = new Bridge(bridgeConfig(ctl, ctl.dataDir), { transports: { uno: () => uno.connect() } });
  const ready = new Promise<void>((resolve) => bridge.once('boardReady', () => resolve()));
  const synced = new Promise<void>((resolve) => bridge.once('timeSync', () => resolve()));
  await bridge.start();
  await Promise.all([ready, synced]);
});

afterAll(async () => {
  await bridge?.stop();
  uno?.disconnect();
  await ctl?.dispose();
});

it('takes the plan’s curfew at its time on the board while the controller is gone', async () => {
  const res = await operatorPost(ctl, '/api/compounds/alpha/groups/g01/commands?wait=5000', { power: 'on', brightness: 255, scene: { name: 'warm-white' } });
  expect(res.body.deliveries[0].status).toBe('ok');
  await until(() => uno.duty(PINS.dimmer) > 0, 5000, 'g01 lit');

  const now = ctl.clock.now();
  const curfew = now + 2500;
  // Above the scheduler's own revision (it publishes the compound's plan at start): a lower one is ignored.
  const revision = (bridge.plan?.revision ?? 0) + 1;
  const received = new Promise<void>((resolve) => bridge.on('plan', (r) => r === revision && resolve()));
  await ctl.broker.publishToCompound('alpha', 'plan', {
    v: 1,
    ts: now,
    revision,
    validUntil: now + 3_600_000,
    items: [
      { startAt: now - 60_000, endAt: curfew, power: 'on', brightness: 255, scene: { name: 'warm-white' } },
      { startAt: curfew, power: 'off' },
    ],
  });
  await received;
  const change = new Promise<[string, { startAt: number }]>((resolve) => bridge.on('planChange', (group, show) => group === 'g01' && resolve([group, show])));
  await ctl.stop();

  const [, show] = await change;
  expect(show.startAt).toBe(curfew);
  expect(Date.now()).toBeGreaterThanOrEqual(curfew - 250);
  await until(() => uno.duty(PINS.dimmer) === 0, 5000, 'g01 dark at the curfew');
  expect(bridge.plan?.revision).toBe(revision);
}, 30_000);
