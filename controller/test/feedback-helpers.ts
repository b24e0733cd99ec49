/** Helpers of the feedback and ticket tests: a fake clock, a kiosk that presses over real MQTT, users' tokens. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { topic, type DeviceAddress, type KioskButton, type KioskReceipt } from '@caideng/protocol';
import { DEMO_COUNTY, apiFetch, connectDevice, nextMessage, publish, startTestController, subscribe, type TestController } from './helpers.js';

export interface FakeClock {
  t: number;
  now: () => number;
}

export function fakeClock(t: number): FakeClock {
  const clock: FakeClock = { t, now: () => clock.t };
  return clock;
}

/** The demo county with its demo users, on the fake clock. */
export function startFeedbackController(clock: FakeClock, dataDir?: string, registryFile = DEMO_COUNTY): Promise<TestController> {
  return startTestController({ registryFile, auth: { demoUsers: true } }, dataDir, { now: clock.now });
}

/** The demo county's registry with some kiosks given a button map, written next to the test's data. */
export function registryWithButtons(dir: string, buttons: Record<string, KioskButton[]>): string {
  const doc = JSON.parse(readFileSync(DEMO_COUNTY, 'utf8')) as { streets: Array<{ communities: Array<{ compounds: Array<{ id: string; kiosks: Array<{ id: string; buttons?: KioskButton[] }> }> }> }> };
  for (const s of doc.streets) for (const c of s.communities) for (const x of c.compounds) for (const k of x.kiosks) if (buttons[`${x.id}/${k.id}`]) k.buttons = buttons[`${x.id}/${k.id}`]!;
  const file = join(dir, 'registry.json');
  writeFileSync(file, JSON.stringify(doc));
  return file;
}

/** A kiosk pressing buttons over MQTT with its own credential; each press resolves with its receipt. */
export class TestKiosk {
  private seq = 0;
  readonly address: DeviceAddress;
  private constructor(
    readonly client: MqttClient,
    compound: string,
    kiosk: string,
    readonly boot: string,
  ) {
    this.address = { compound, role: 'kiosk', device: kiosk };
  }

  static async connect(ctl: TestController, compound: string, kiosk: string): Promise<TestKiosk> {
    const client = await connectDevice(ctl, `${compound}/kiosk/${kiosk}`);
    const k = new TestKiosk(client, compound, kiosk, `b${Math.floor(Math.random() * 1e9)}`);
    await subscribe(client, topic(k.address, 'receipt'));
    await subscribe(client, topic(k.address, 'error'));
    return k;
  }

  /** Presses `button` at device time `ts`; resolves once the controller has stored and classified it. */
  async press(ctl: TestController, button: KioskButton, ts: number): Promise<KioskReceipt> {
    const seq = ++this.seq;
    const receipt = nextMessage<KioskReceipt>(this.client, topic(this.address, 'receipt'), (r) => r.seq === seq && r.boot === this.boot);
    await publish(this.client, topic(this.address, 'event'), { v: 1, button, ts, seq, boot: this.boot });
    const r = await receipt;
    await settle(ctl);
    return r;
  }

  /** Presses a button and resolves with the rejection on the kiosk's error topic. */
  async refused(button: KioskButton, ts: number): Promise<{ code: string; reason: string }> {
    const error = nextMessage<{ code: string; reason: string }>(this.client, topic(this.address, 'error'));
    await publish(this.client, topic(this.address, 'event'), { v: 1, button, ts, seq: ++this.seq, boot: this.boot });
    return error;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.client.end(true, {}, () => resolve()));
  }
}

/** Waits until every stored press is classified and every ticket change made. */
export async function settle(ctl: TestController): Promise<void> {
  await ctl.feedback.settled();
  await ctl.tickets.settled();
}

export async function tokensOf(ctl: TestController, users: Record<string, string>): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [who, username] of Object.entries(users)) out[who] = (await ctl.accounts.createToken(username, 'feedback-test')).token;
  return out;
}

/** JSON over real HTTP as one user (a token), with the status. */
export async function api<T = unknown>(ctl: TestController, token: string | null, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const init: RequestInit = { method: body === undefined ? 'GET' : 'POST', headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) };
  const res = token === null ? await fetch(`${ctl.httpUrl}${path}`, init) : await apiFetch(ctl, path, init);
  return { status: res.status, body: (await res.json()) as T };
}
