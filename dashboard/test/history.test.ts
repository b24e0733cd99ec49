/**
 * The dashboard's history in a real Chromium against a real controller whose metrics store holds an hour
 * of power and a festival season of energy (seeded through the metrics writer, as the bus would write
 * them): the county view opens with the last hour already drawn, the press feed with the presses stored
 * before the page opened, and a compound's festival-season energy chart is drawn by uPlot with its data.
 * Needs the built dashboard (`npm run build -w dashboard`).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './browser.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startController, readProvisioning, type ControllerHandle } from '@caideng/controller';
import { topic, type DeviceAddress } from '@caideng/protocol';

const SMALL_COUNTY = fileURLToPath(new URL('../../controller/test/fixtures/small-county.json', import.meta.url));
const DIST_INDEX = fileURLToPath(new URL('../dist/index.html', import.meta.url));
const H = 3_600_000;

let dataDir: string;
let ctl: ControllerHandle;
let browser: Browser;
let page: Page;
let kiosk: MqttClient | undefined;
const pageErrors: string[] = [];

/** An hour of 10 s power readings per group, and six nights of the 2026 festival season for compound alpha. */
function seed(now: number): { nights: number; kWh: number } {
  const groups: Array<[string, string, number]> = [
    ['alpha', 'g01', 180],
    ['alpha', 'g02', 60],
    ['beta', 'g01', 40],
  ];
  const start = Math.floor((now - H) / 10_000) * 10_000;
  for (let t = start; t < now; t += 10_000) {
    for (const [compound, group, watts] of groups) {
      ctl.metrics.record({ measurement: 'telemetry', tags: { compound, group }, fields: { watts, wh: (watts * 10) / 3600 }, ts: t });
    }
  }
  // 除夕 2026 is 16 February: six evenings from 18:00 to 23:00 China time at 240 W = 1.2 kWh a night.
  let kWh = 0;
  for (let n = 0; n < 6; n++) {
    const evening = Date.UTC(2026, 1, 16 + n, 18 - 8);
    for (let t = evening; t < evening + 5 * H; t += 60_000) {
      ctl.metrics.record({ measurement: 'telemetry', tags: { compound: 'alpha', group: 'g01' }, fields: { watts: 240, wh: 4 }, ts: t });
      kWh += 0.004;
    }
  }
  return { nights: 6, kWh };
}

function connectKiosk(address: DeviceAddress): Promise<MqttClient> {
  const username = `${address.compound}/${address.role}/${address.device}`;
  const device = readProvisioning(dataDir)?.devices.find((d) => d.username === username);
  if (!device) throw new Error(`no credential for ${username}`);
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(ctl.mqttUrl, { username, password: device.password, clientId: username, protocolVersion: 4, reconnectPeriod: 0 });
    client.once('connect', () => resolve(client));
    client.once('error', reject);
  });
}

let seeded: { nights: number; kWh: number };

beforeAll(async () => {
  if (!existsSync(DIST_INDEX)) throw new Error('dashboard/dist is missing: run `npm run build -w dashboard` first');
  dataDir = mkdtempSync(join(tmpdir(), 'caideng-history-'));
  ctl = await startController({
    dataDir,
    registryFile: SMALL_COUNTY,
    http: { host: '127.0.0.1', port: 0 },
    mqtt: { host: '127.0.0.1', port: 0 },
    metrics: { rawRetentionDays: 3650 },
    log: { level: 'silent' },
  });
  seeded = seed(Date.now());
  await ctl.metrics.idle();
  // A resident pressed before anyone opened the page.
  const address: DeviceAddress = { compound: 'alpha', role: 'kiosk', device: 'k1' };
  kiosk = await connectKiosk(address);
  const owner = {};
  const stored = new Promise<void>((resolve) => ctl.bus.on('press.stored', owner, () => resolve()));
  kiosk.publish(topic(address, 'event'), JSON.stringify({ v: 1, button: 'too_bright', ts: Date.now(), seq: 7 }), { qos: 1 });
  await stored;
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 1400 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (err) => pageErrors.push(err.message));
  // Signed in as the admin the controller created (its generated password is in the provisioning file).
  const admin = readProvisioning(dataDir)!.users!.find((u) => u.username === 'admin')!;
  const login = await page.context().request.post(`${ctl.httpUrl}/api/auth/login`, { data: { username: admin.username, password: admin.password } });
  if (!login.ok()) throw new Error(`sign-in failed: ${login.status()} ${await login.text()}`);
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (kiosk ? kiosk.end(true, {}, () => resolve()) : resolve()));
  await ctl?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** Non-transparent pixels of the chart's canvas: uPlot drew something. */
const paintedPixels = (testId: string) =>
  page.evaluate((id) => {
    const canvas = document.querySelector<HTMLCanvasElement>(`[data-testid="${id}"] .uplot canvas`);
    if (!canvas) return -1;
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let k = 3; k < data.length; k += 4) if (data[k]! > 0) n++;
    return n;
  }, testId);

describe('dashboard history', () => {
  it('opens the county view with the last hour of power already drawn, and the stored presses in the feed', async () => {
    await page.goto(ctl.httpUrl);
    // An hour of 10 s buckets from the store, before a single live sample could have filled it.
    const chart = page.locator('[data-testid="power-chart"]');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="power-chart"]')?.getAttribute('data-points')) >= 350);
    expect(await chart.locator('.chart__title').innerText()).toContain('最近 60 分钟');
    const path = await chart.locator('.chart__line').getAttribute('d');
    // One unbroken line across the hour: a single move-to.
    expect(path?.match(/M/g)).toHaveLength(1);
    await page.locator('[data-press="alpha/k1/7"]').waitFor();
    expect(await page.locator('[data-press="alpha/k1/7"] .feed__button').innerText()).toBe('太亮了');
    // The county's own history charts are drawn by uPlot too.
    await page.locator('[data-testid="history-power"] .uplot canvas').waitFor();
    expect(await paintedPixels('history-power')).toBeGreaterThan(100);
    expect(pageErrors).toEqual([]);
  });

  it("draws a compound's festival-season energy per night with uPlot", async () => {
    await page.goto(`${ctl.httpUrl}/#/compound/alpha`);
    const energy = page.locator('[data-testid="energy-chart"]');
    await energy.locator('.uplot canvas').waitFor();
    expect(await energy.getAttribute('data-series')).toBe('1');
    expect(Number(await energy.getAttribute('data-points'))).toBe(seeded.nights);
    expect(await energy.locator('.chart__title').innerText()).toContain('2026');
    expect(await energy.locator('.uchart__note').innerText()).toContain(`${seeded.kWh.toFixed(1)} kWh`);
    // uPlot's series legend lists the series; the canvas holds the bars.
    expect(await energy.locator('.u-legend').innerText()).toContain('kWh');
    expect(await paintedPixels('energy-chart')).toBeGreaterThan(500);
    await page.locator('[data-testid="satisfaction-chart"] .uplot canvas').waitFor();
    expect(await page.locator('[data-testid="satisfaction-chart"] .uchart__note').innerText()).toContain('满意度指数见「居民反馈」页');
    expect(pageErrors).toEqual([]);
    if (process.env.CAIDENG_KEEP_SHOTS) await page.screenshot({ path: join(process.env.CAIDENG_KEEP_SHOTS, 'history-compound.png'), fullPage: true });
  });
});
