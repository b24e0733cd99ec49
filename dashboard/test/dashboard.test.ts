/**
 * The dashboard in a real Chromium against a real controller (embedded broker, HTTP, socket.io) with
 * lantern groups and a kiosk connected over real MQTT. Nothing is mocked and nothing sleeps: every wait
 * is Playwright waiting for the page to show the expected state.
 *
 * Needs the built dashboard (`npm run build -w dashboard`; the root `npm test` builds first): the
 * controller serves dashboard/dist only if it exists when it starts.
 *
 * Screenshots go to a temp dir; `CAIDENG_UPDATE_SCREENSHOT=1` also writes the README's
 * docs/screenshot.png, `CAIDENG_KEEP_SHOTS=<dir>` keeps copies of both.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './browser.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startController, readProvisioning, type ControllerHandle } from '@caideng/controller';
import { topic, type Channel, type DeviceAddress } from '@caideng/protocol';

const SMALL_COUNTY = fileURLToPath(new URL('../../controller/test/fixtures/small-county.json', import.meta.url));
const DIST_INDEX = fileURLToPath(new URL('../dist/index.html', import.meta.url));
const SCREENSHOT = fileURLToPath(new URL('../docs/screenshot.png', import.meta.url));

let dataDir: string;
let shotDir: string;
let ctl: ControllerHandle;
let browser: Browser;
let page: Page;
let browserMissing: Error | undefined;
const clients: MqttClient[] = [];
const pageErrors: string[] = [];

/** Connects a device with its provisioned credentials and an "offline" last-will, as real devices do. */
function connectDevice(address: DeviceAddress): Promise<MqttClient> {
  const username = `${address.compound}/${address.role}/${address.device}`;
  const device = readProvisioning(dataDir)?.devices.find((d) => d.username === username);
  if (!device) throw new Error(`no credential for ${username}`);
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(ctl.mqttUrl, {
      username,
      password: device.password,
      clientId: username,
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      will: { topic: topic(address, 'availability'), payload: Buffer.from(JSON.stringify({ v: 1, state: 'offline', ts: Date.now() })), qos: 1, retain: true },
    });
    clients.push(client);
    client.once('connect', () => resolve(client));
    client.once('error', reject);
  });
}

function publish(client: MqttClient, address: DeviceAddress, channel: Channel, payload: object, retain = false): Promise<void> {
  return new Promise((resolve, reject) =>
    client.publish(topic(address, channel), JSON.stringify(payload), { qos: 1, retain }, (err) => (err ? reject(err) : resolve())),
  );
}

const online = (client: MqttClient, address: DeviceAddress) => publish(client, address, 'availability', { v: 1, state: 'online', ts: Date.now() }, true);
const telemetry = (client: MqttClient, address: DeviceAddress, watts: number, faults: string[] = []) =>
  publish(client, address, 'telemetry', { v: 1, ts: Date.now(), watts, faults, uptimeS: 1 });

const tile = (key: string, status?: string) => page.locator(`[data-device="${key}"]${status ? `[data-status="${status}"]` : ''}`);

const G01: DeviceAddress = { compound: 'alpha', role: 'group', device: 'g01' };

beforeAll(async () => {
  if (!existsSync(DIST_INDEX)) throw new Error('dashboard/dist is missing: run `npm run build -w dashboard` first');
  dataDir = mkdtempSync(join(tmpdir(), 'caideng-dashboard-'));
  shotDir = mkdtempSync(join(tmpdir(), 'caideng-dashboard-shots-'));
  ctl = await startController({
    dataDir,
    registryFile: SMALL_COUNTY,
    http: { host: '127.0.0.1', port: 0 },
    mqtt: { host: '127.0.0.1', port: 0 },
    // The page assembles the snapshot from several parts, as it does for a city.
    realtime: { snapshotChunkDevices: 3 },
    log: { level: 'silent' },
  });
  try {
    browser = await launchChromium();
  } catch (err) {
    // Every test then fails with this (beforeEach below): a failing beforeAll would report them as skipped.
    browserMissing = err as Error;
    return;
  }
  page = await browser.newPage({ viewport: { width: 1280, height: 860 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  // Fail on the locator that did not show up, well before the test's own timeout.
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') pageErrors.push(msg.text());
  });
  // Signed in as the admin the controller created (its generated password is in the provisioning file).
  const admin = readProvisioning(dataDir)!.users!.find((u) => u.username === 'admin')!;
  const login = await page.context().request.post(`${ctl.httpUrl}/api/auth/login`, { data: { username: admin.username, password: admin.password } });
  if (!login.ok()) throw new Error(`sign-in failed: ${login.status()} ${await login.text()}`);
  await page.goto(ctl.httpUrl);
  // Marks this document: if the page reloaded, the mark would be gone.
  await page.evaluate(() => ((window as unknown as { caidengNoReload: boolean }).caidengNoReload = true));
});

beforeEach(() => {
  if (browserMissing) throw browserMissing;
});

afterAll(async () => {
  // The browser goes first: the controller's stop waits for open socket.io connections to end.
  await browser?.close();
  await Promise.all(clients.map((c) => new Promise<void>((resolve) => c.end(true, {}, () => resolve()))));
  await ctl?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  if (shotDir) rmSync(shotDir, { recursive: true, force: true });
});

describe('dashboard against a live controller', () => {
  it('lists every compound of the county with its Chinese name and area, and goes live', async () => {
    await page.locator('[data-connection="live"]').waitFor();
    await page.locator('[data-compound="alpha"]').waitFor();
    expect(await page.locator('[data-compound]').count()).toBe(2);
    expect(await page.locator('[data-compound="alpha"] .card__name').innerText()).toBe('星河家园');
    expect(await page.locator('[data-compound="beta"] .card__name').innerText()).toBe('南湖逸都');
    expect(await page.locator('[data-compound="alpha"] .card__area').innerText()).toBe('旭阳镇 · 南湖社区');
    expect(await page.locator('.app-header__subtitle').innerText()).toContain('荣县');
    // Every registered lantern group has a tile, all offline before any device connects.
    expect(await page.locator('[data-compound="alpha"] [data-status="offline"]').count()).toBe(3);
    expect(await tile('alpha/group/g01').innerText()).toContain('东门牛灯');
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
  });

  it('turns a lantern group online without a reload when it announces itself over MQTT', async () => {
    const client = await connectDevice(G01);
    await online(client, G01);
    await tile('alpha/group/g01', 'online').waitFor();
    await page.locator('[data-compound="alpha"] [data-stat="groups"] dd', { hasText: '1/3' }).waitFor();
    expect(await page.evaluate(() => (window as unknown as { caidengNoReload?: boolean }).caidengNoReload)).toBe(true);
  });

  it('shows telemetry as watts on the tile, the compound and the county', async () => {
    await telemetry(clients[0]!, G01, 123.4);
    await page.locator('[data-device="alpha/group/g01"][title*="123.4 W"]').waitFor();
    await page.locator('[data-compound="alpha"] [data-stat="watts"] dd', { hasText: '123.4 W' }).waitFor();
    await page.locator('[data-kpi="watts"] dd', { hasText: '123.4 W' }).waitFor();
    await page.locator('[data-testid="power-now"]', { hasText: '123.4 W' }).waitFor();
  });

  it('shows a reported fault code as a fault', async () => {
    await telemetry(clients[0]!, G01, 120, ['lamp_failure']);
    await tile('alpha/group/g01', 'fault').waitFor();
    await page.locator('[data-fault="alpha/group/g01"]', { hasText: '东门牛灯：灯具故障' }).waitFor();
    await page.locator('[data-compound="alpha"] [data-stat="faults"] dd', { hasText: '1' }).waitFor();
    await page.locator('[data-compound="alpha"].card--fault').waitFor();
  });

  it('turns the group offline live when its connection dies', async () => {
    clients[0]!.stream.destroy();
    await tile('alpha/group/g01', 'offline').waitFor();
    await page.locator('[data-compound="alpha"] [data-stat="groups"] dd', { hasText: '0/3' }).waitFor();
    expect(await page.evaluate(() => (window as unknown as { caidengNoReload?: boolean }).caidengNoReload)).toBe(true);
  });

  it("shows residents' kiosk presses in the live feed", async () => {
    const kiosk: DeviceAddress = { compound: 'alpha', role: 'kiosk', device: 'k1' };
    const client = await connectDevice(kiosk);
    await online(client, kiosk);
    await page.locator('[data-compound="alpha"] [data-stat="kiosks"] dd', { hasText: '1/1' }).waitFor();
    await publish(client, kiosk, 'event', { v: 1, button: 'broken_lantern', ts: Date.now(), seq: 1 });
    const entry = page.locator('[data-press="alpha/k1/1"]');
    await entry.waitFor();
    expect(await entry.innerText()).toContain('灯坏了');
    expect(await entry.innerText()).toContain('东门反馈亭');
  });

  it("opens a compound's detail view with every group's status, watts and last seen", async () => {
    await page.locator('[data-compound="alpha"] .card__name a').click();
    await page.locator('[data-compound-detail="alpha"]').waitFor();
    expect(new URL(page.url()).hash).toBe('#/compound/alpha');
    expect(await page.locator('h1.compound__name').innerText()).toBe('星河家园');
    expect(await page.locator('[data-group-row]').count()).toBe(3);
    const row = page.locator('[data-group-row="alpha/group/g01"]');
    expect(await row.getAttribute('data-status')).toBe('offline');
    // Last telemetry is kept for display: watts, the fault it reported and when it was seen.
    const text = await row.innerText();
    expect(text).toContain('东门牛灯');
    expect(text).toContain('120 W');
    expect(text).toContain('灯具故障');
    expect(text).toMatch(/\d\d:\d\d:\d\d/);
    await page.locator('[data-device="alpha/kiosk/k1"][data-status="online"]').waitFor();
    await page.locator('[data-press="alpha/k1/1"]').waitFor();

    // A second group comes online while the detail view is open.
    const g02: DeviceAddress = { compound: 'alpha', role: 'group', device: 'g02' };
    const client = await connectDevice(g02);
    await online(client, g02);
    await publish(client, g02, 'state', { v: 1, ts: Date.now(), power: 'on', brightness: 191, scene: { name: 'carp' } }, true);
    const row2 = page.locator('[data-group-row="alpha/group/g02"][data-status="online"]');
    await row2.waitFor();
    // Devices report the scene's id; the page shows its title from GET /api/scenes.
    await row2.locator('td[data-scene="carp"]', { hasText: '鲤鱼灯' }).waitFor();
    await row2.locator('td', { hasText: '75%' }).waitFor();
    // A scene the library does not know shows as its id.
    await publish(client, g02, 'state', { v: 1, ts: Date.now(), power: 'on', brightness: 191, scene: { name: 'lantern-parade' } }, true);
    await row2.locator('td[data-scene="lantern-parade"]', { hasText: 'lantern-parade' }).waitFor();
    await publish(client, g02, 'state', { v: 1, ts: Date.now(), power: 'on', brightness: 191, scene: { name: 'carp' } }, true);
    await row2.locator('td[data-scene="carp"]', { hasText: '鲤鱼灯' }).waitFor();

    await page.locator('a.back').click();
    await page.locator('[data-testid="compounds"]').waitFor();
    await page.locator('[data-device="alpha/group/g02"][data-status="online"][title*="鲤鱼灯"]').waitFor();
    await page.locator('[data-compound="alpha"] [data-scenes]', { hasText: '正在播放：鲤鱼灯' }).waitFor();
  });

  it('switches to English, shows English labels, and remembers the choice', async () => {
    await page.locator('[data-testid="lang-toggle"]').click();
    await page.locator('html[lang="en"]').waitFor();
    expect(await page.locator('[data-kpi="groups"] dt').innerText()).toBe('Groups online');
    expect(await page.locator('[data-connection]').innerText()).toBe('Live');
    expect(await page.locator('[data-testid="press-feed"] h2').innerText()).toBe("Residents' feedback");
    expect(await page.locator('[data-press="alpha/k1/1"] .feed__button').innerText()).toBe('Lantern broken');
    expect(await tile('alpha/group/g01').getAttribute('title')).toContain('Offline');
    expect(await page.locator('[data-compound="alpha"] [data-stat="faults"] dt').innerText()).toBe('Faults');
    expect(await page.locator('.app-header__subtitle').innerText()).toContain('Rong County');
    // Registry names without an English name fall back to the Chinese one.
    expect(await page.locator('[data-compound="alpha"] .card__name').innerText()).toBe('星河家园');

    await page.reload();
    await page.locator('[data-connection="live"]').waitFor();
    await page.evaluate(() => ((window as unknown as { caidengNoReload: boolean }).caidengNoReload = true));
    expect(await page.locator('[data-kpi="groups"] dt').innerText()).toBe('Groups online');
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
  });

  it('renders a readable page (screenshot for the README)', async () => {
    // A livelier county for the picture: more groups lit at different levels, one fault, a few presses.
    const lit: Array<[DeviceAddress, number, number, string]> = [
      [{ compound: 'alpha', role: 'group', device: 'g01' }, 255, 171.2, 'ox-lantern'],
      [{ compound: 'alpha', role: 'group', device: 'g02' }, 191, 64.8, 'carp'],
      [{ compound: 'beta', role: 'group', device: 'g01' }, 128, 31.5, 'lotus'],
    ];
    for (const [address, brightness, watts, scene] of lit) {
      const client = await connectDevice(address);
      await online(client, address);
      await publish(client, address, 'state', { v: 1, ts: Date.now(), power: 'on', brightness, scene: { name: scene } }, true);
      await telemetry(client, address, watts);
    }
    const stars: DeviceAddress = { compound: 'alpha', role: 'group', device: 'g03' };
    const starsClient = await connectDevice(stars);
    await online(starsClient, stars);
    await telemetry(starsClient, stars, 12, ['overcurrent']);
    const kiosk: DeviceAddress = { compound: 'beta', role: 'kiosk', device: 'k1' };
    const kioskClient = await connectDevice(kiosk);
    await online(kioskClient, kiosk);
    await publish(kioskClient, kiosk, 'event', { v: 1, button: 'satisfied', ts: Date.now(), seq: 1 });
    await publish(kioskClient, kiosk, 'event', { v: 1, button: 'too_bright', ts: Date.now(), seq: 2 });

    await tile('beta/group/g01', 'online').waitFor();
    await tile('alpha/group/g03', 'fault').waitFor();
    // Scene titles in English.
    await page.locator('[data-compound="alpha"] [data-scenes]', { hasText: 'Playing: Ox lantern, Carp lantern' }).waitFor();
    await page.locator('[data-compound="beta"] [data-scenes]', { hasText: 'Playing: Lotus lantern' }).waitFor();
    expect(await tile('alpha/group/g01').getAttribute('title')).toContain('Ox lantern');
    await page.locator('[data-press="beta/k1/2"]').waitFor();
    await page.locator('[data-kpi="watts"] dd', { hasText: '279.5 W' }).waitFor();
    // The chart draws a line once a few summaries (one a second) have arrived.
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="power-chart"]')?.getAttribute('data-points')) >= 4);

    const shot = join(shotDir, 'dashboard.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(10_000);
    // The README's picture is a tracked file: written only on request, so a test run leaves the tree clean.
    if (process.env.CAIDENG_UPDATE_SCREENSHOT === '1') {
      mkdirSync(fileURLToPath(new URL('../docs/', import.meta.url)), { recursive: true });
      copyFileSync(shot, SCREENSHOT);
    }

    // Phone width: the layout stacks, nothing overflows sideways.
    await page.setViewportSize({ width: 390, height: 844 });
    // Charts follow their container through a ResizeObserver, a frame or two after the viewport changed.
    const settled = await page
      .waitForFunction(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth, undefined, { timeout: 5000 })
      .then(() => true, () => false);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, `settled: ${settled}`).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(shotDir, 'phone.png'), fullPage: true });
    if (process.env.CAIDENG_KEEP_SHOTS) for (const f of ['dashboard.png', 'phone.png']) copyFileSync(join(shotDir, f), join(process.env.CAIDENG_KEEP_SHOTS, f));

    expect(pageErrors).toEqual([]);
  });

  it('shows reconnecting when the controller drops the connection, and goes live again by itself', async () => {
    await page.setViewportSize({ width: 1280, height: 860 });
    // What a stopping controller does to its viewers. socket.io clients do not come back on their own
    // after a server-side disconnect; the dashboard must.
    ctl.realtime.io!.disconnectSockets(true);
    await page.locator('[data-connection="reconnecting"]').waitFor();
    await page.locator('.banner[role="alert"]', { hasText: 'Connection lost' }).waitFor();
    await page.locator('[data-connection="live"]').waitFor();
    expect(await page.locator('.banner').count()).toBe(0);

    // Pushes flow again on the new connection.
    await tile('beta/group/g01', 'online').waitFor();
    clients.find((c) => c.options.clientId === 'beta/group/g01')!.stream.destroy();
    await tile('beta/group/g01', 'offline').waitFor();
    expect(await page.evaluate(() => (window as unknown as { caidengNoReload?: boolean }).caidengNoReload)).toBe(true);
  });
});
