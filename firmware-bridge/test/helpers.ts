/** Test helpers: a bridge config for the fixture county's compound, wired to one emulated Uno. */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { Renderer, resolveScene, createLayout } from '@caideng/scenes';
import type { SceneRef } from '@caideng/protocol';
import { resolveBridgeConfig, type BridgeConfig } from '../src/index.js';
import type { TestController } from '../../controller/test/helpers.js';

export const BRIDGE_COUNTY = fileURLToPath(new URL('../config/gateway-demo.json', import.meta.url));
export const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/** The wiring the tests use: a lotus dimmer on PWM pin 9, a relay on 7, RGB on 3/5/6, kiosk buttons on 2 and 4, its LED on 13. */
export const PINS = { dimmer: 9, relay: 7, rgb: [3, 5, 6], satisfied: 2, tooBright: 4, led: 13 } as const;

export function bridgeConfig(ctl: TestController, dataDir: string, overrides: Record<string, unknown> = {}, port = 'emulated'): BridgeConfig {
  return resolveBridgeConfig({
    compound: 'alpha',
    bridge: 'b1',
    mqtt: { url: ctl.mqttUrl, password: ctl.password('alpha/bridge/b1'), reconnectPeriodMs: 200 },
    dataDir: join(dataDir, 'bridge'),
    resendAfterMs: 2000,
    telemetryIntervalMs: 500,
    boards: [{ id: 'uno', port, readyTimeoutMs: 5000, reconnectMs: 200 }],
    groups: [
      { id: 'g01', fixtures: [{ kind: 'dimmer', pins: [PINS.dimmer], ratedWatts: 60 }] },
      { id: 'g02', fixtures: [{ kind: 'relay', pins: [PINS.relay], ratedWatts: 40 }] },
      { id: 'g03', fixtures: [{ kind: 'rgb', pins: [...PINS.rgb], ratedWatts: 90 }] },
    ],
    kiosks: [
      {
        id: 'k1',
        buttons: [
          { pin: PINS.satisfied, button: 'satisfied' },
          { pin: PINS.tooBright, button: 'too_bright' },
        ],
        led: { pin: PINS.led, onMs: 500 },
      },
    ],
    ...overrides,
  });
}

/** What a one-dimmer group shows of a scene at controller time `t`, by the scenes library itself. */
export function expectedDimmer(scene: SceneRef, startAt: number, brightness = 255): (t: number) => number {
  const resolved = resolveScene(scene.name, scene.params ?? {});
  if (!resolved.ok) throw new Error('scene does not resolve');
  const renderer = new Renderer(createLayout([{ id: 'f0', kind: 'dimmer', ratedWatts: 60 }]), { brightness });
  renderer.play(resolved.scene, { startAt, seed: scene.seed ?? 0 });
  const out = new Uint8Array(1);
  // A fresh render per time: the flash governor's history is irrelevant for a slow scene.
  return (t) => renderer.render(t, out)[0]!;
}

export async function operatorPost(ctl: TestController, path: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${ctl.httpUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ctl.operatorToken()}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

/** Resolves when `check` holds, re-checked on every board or bus event the caller passes through `poke`. */
export function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (check()) return resolve();
    const started = Date.now();
    // Pin levels live in the emulated CPU's registers, which change without events: sample them every 5 ms.
    const timer = setInterval(() => {
      if (check()) {
        clearInterval(timer);
        resolve();
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(timer);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }
    }, 5);
  });
}
