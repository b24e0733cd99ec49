/**
 * The county wall in a real Chromium against a real controller (the 22-compound demo county, its demo
 * users and programme) with every simulated lantern group of the county connected over real MQTT. The
 * committee sees all 22 compounds; a compound whose devices drop off the network turns dark on the wall
 * within 2 s; one cut off while the page's socket is down is dark once it reconnects.
 *
 * Also takes the README's screenshots (Chinese): the wall, a compound, the schedule and the ticket board.
 * They go to a temp dir; `CAIDENG_UPDATE_SCREENSHOT=1` copies them to docs/screenshots/.
 *
 * Needs the built dashboard (`npm run build -w dashboard`; the root `npm test` builds first).
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Clock, readProvisioning, startController, type ControllerHandle } from '@caideng/controller';
import { Kiosk, parseCredentials, shiftedClock, startCounty, type County, type KioskCredential } from '@caideng/simulators';
import { launchChromium } from './browser.js';

const DEMO_COUNTY = fileURLToPath(new URL('../../controller/config/rong-county.json', import.meta.url));
const DIST_INDEX = fileURLToPath(new URL('../dist/index.html', import.meta.url));
const SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const CUT = 'nanhu-yidu';
const CUT_WHILE_DOWN = 'xinghe-chuntian';
const WRONG = 'xushui-yaju';
/** A Wednesday evening (Beijing time): the demo's nightly show is on, red and gold. */
const EVENING = Date.parse('2026-12-02T19:10:00+08:00');

let dataDir: string;
let shotDir: string;
let ctl: ControllerHandle;
let county: County;
let browser: Browser;
let page: Page;
let browserMissing: Error | undefined;
const kiosks: Kiosk[] = [];
const pageErrors: string[] = [];

const provisioning = () => readProvisioning(dataDir)!;
const asOperator = (path: string, body: unknown) =>
  fetch(`${ctl.httpUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${provisioning().operator!.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
const tile = (compound: string) => page.locator(`[data-testid="wall-tile"][data-compound="${compound}"]`);

/** Drops every simulated device of a compound off the network (sockets destroyed: the broker sends their wills). */
function cutOff(compound: string): void {
  for (const username of county.devices.keys()) if (username.startsWith(`${compound}/`)) county.kill(username);
}

async function shot(name: string, fullPage = false): Promise<void> {
  const path = join(shotDir, `${name}.png`);
  await page.screenshot({ path, fullPage });
  expect(statSync(path).size).toBeGreaterThan(10_000);
  if (process.env.CAIDENG_UPDATE_SCREENSHOT === '1') {
    // Tracked files, written only on request, so a test run leaves the tree clean; small enough for the README.
    expect(statSync(path).size).toBeLessThan(300_000);
    mkdirSync(SCREENSHOTS, { recursive: true });
    copyFileSync(path, join(SCREENSHOTS, `${name}.png`));
  }
}

beforeAll(async () => {
  if (!existsSync(DIST_INDEX)) throw new Error('dashboard/dist is missing: run `npm run build -w dashboard` first');
  dataDir = mkdtempSync(join(tmpdir(), 'caideng-wall-'));
  shotDir = mkdtempSync(join(tmpdir(), 'caideng-wall-shots-'));
  ctl = await startController({
    dataDir,
    registryFile: DEMO_COUNTY,
    http: { host: '127.0.0.1', port: 0 },
    mqtt: { host: '127.0.0.1', port: 0 },
    auth: { demoUsers: true },
    schedule: { seedDemoProgramme: true },
    log: { level: 'silent' },
  }, { clock: new Clock({ at: EVENING }) });
  const credentials = parseCredentials({ version: 1, mqtt: { url: ctl.mqttUrl }, devices: provisioning().devices.filter((d) => d.role === 'group') });
  county = await startCounty({ credentials, url: ctl.mqttUrl, kiosksPerCompound: 0, timeSyncIntervalMs: 0, telemetryIntervalMs: 5000, clock: shiftedClock(EVENING) });
  try {
    browser = await launchChromium();
  } catch (err) {
    browserMissing = err as Error;
    return;
  }
  page = await browser.newPage({ viewport: { width: 1920, height: 1080 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (err) => pageErrors.push(err.message));
  const committee = provisioning().users!.find((u) => u.username === 'committee')!;
  const login = await page.context().request.post(`${ctl.httpUrl}/api/auth/login`, { data: { username: committee.username, password: committee.password } });
  if (!login.ok()) throw new Error(`sign-in failed: ${login.status()} ${await login.text()}`);
}, 60_000);

beforeEach(() => {
  if (browserMissing) throw browserMissing;
});

afterAll(async () => {
  await browser?.close();
  for (const k of kiosks) await k.stop().catch(() => undefined);
  await county?.stop();
  await ctl?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  if (shotDir) rmSync(shotDir, { recursive: true, force: true });
});

describe('the county wall', () => {
  it("shows the committee all 22 compounds, each with its groups online against the registry's", async () => {
    await page.goto(`${ctl.httpUrl}/#/wall`);
    await page.locator('[data-testid="nav-wall"][aria-current="page"]').waitFor();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="wall-tile"]').length === 22);
    // A compound whose groups are all simulated is fully online and not dark.
    await tile(CUT).locator('[data-testid="wall-online"]', { hasText: /在线 (\d+)\/\1$/ }).waitFor();
    expect(await tile(CUT).getAttribute('data-condition')).not.toBe('dark');
  });

  it('turns a compound cut off the network visibly dark within 2 s', async () => {
    const started = Date.now();
    cutOff(CUT);
    await tile(CUT).and(page.locator('[data-condition="dark"]')).waitFor({ timeout: 5000 });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(2000);
    await expect(tile(CUT).locator('[data-testid="wall-status"]').textContent()).resolves.toContain('黑灯');
    await expect(tile(CUT).locator('[data-testid="wall-online"]').textContent()).resolves.toMatch(/在线 0\/\d+/);
    // Problems first puts it at the top; "only problems" keeps it.
    await page.locator('[data-testid="wall-sort"]').selectOption('problems');
    await expect(page.locator('[data-testid="wall-tile"]').first().getAttribute('data-compound')).resolves.toBe(CUT);
    await page.locator('[data-testid="wall-only-problems"]').check();
    await expect(page.locator(`[data-testid="wall-tile"][data-compound="${CUT}"]`).count()).resolves.toBe(1);
    await page.locator('[data-testid="wall-only-problems"]').uncheck();
    await page.locator('[data-testid="wall-sort"]').selectOption('name');
  });

  it('marks a compound that plays something other than the schedule says', async () => {
    const res = await asOperator(`/api/compounds/${WRONG}/commands`, { scene: { name: 'lotus' } });
    expect(res.status).toBe(202);
    await tile(WRONG).and(page.locator('[data-condition="wrong"]')).waitFor();
    await expect(tile(WRONG).locator('[data-testid="wall-status"]').textContent()).resolves.toContain('节目不符');
  });

  it('is correct after a reconnect: a compound cut off while the socket was down is dark once it is back', async () => {
    ctl.realtime.io!.disconnectSockets(true);
    await page.locator('[data-connection="reconnecting"]').waitFor();
    cutOff(CUT_WHILE_DOWN);
    await page.locator('[data-connection="live"]').waitFor({ timeout: 15_000 });
    await tile(CUT_WHILE_DOWN).and(page.locator('[data-condition="dark"]')).waitFor();
    expect(pageErrors).toEqual([]);
  });

  it('takes the README screenshots in Chinese: the wall, a compound, the schedule and the ticket board', async () => {
    // An energy budget for one compound: the wall shows tonight's kWh against it.
    expect((await asOperator('/api/rules', { name: '节能预算', kind: 'budget', target: { compounds: ['yangguang-lijing'] }, when: {}, kwhPerNight: 40 })).status).toBe(201);
    await page.reload();
    await tile('yangguang-lijing').locator('[data-testid="wall-energy"]').waitFor();
    // A resident reports a broken lantern, so the board and the wall have a ticket to show.
    const creds = parseCredentials({ version: 1, mqtt: { url: ctl.mqttUrl }, devices: provisioning().devices.filter((d) => d.compound === 'xinghe-jiayuan' && d.role === 'kiosk' && d.device === 'k1') });
    const kiosk = new Kiosk(creds.devices[0] as KioskCredential, { url: ctl.mqttUrl, reconnectPeriodMs: 0 });
    kiosks.push(kiosk);
    await kiosk.start();
    await kiosk.press('broken_lantern');
    await tile('xinghe-jiayuan').locator('[data-testid="wall-tickets"]', { hasText: '工单 1' }).waitFor();
    // Every tile fits one 1080p screen, without scrolling.
    const bottom = await page.locator('[data-testid="wall-tile"]').evaluateAll((els) => Math.max(...els.map((e) => e.getBoundingClientRect().bottom)));
    expect(bottom).toBeLessThanOrEqual(1080);
    // The README's picture is smaller (a PNG under 300 KB); the layout is the same.
    await page.setViewportSize({ width: 1600, height: 760 });
    await shot('county-wall');

    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto(`${ctl.httpUrl}/#/compound/xinghe-jiayuan`);
    await page.locator('[data-device]').first().waitFor();
    await shot('compound');

    await page.goto(`${ctl.httpUrl}/#/schedule/xinghe-jiayuan`);
    await page.locator('[data-testid="rules"]').waitFor();
    await page.locator('[data-rule-row]').first().waitFor();
    await page.locator('[data-testid="plan-entry"]').first().waitFor();
    await shot('schedule');

    await page.goto(`${ctl.httpUrl}/#/tickets`);
    await page.locator('[data-testid="tickets"]', { hasText: '灯坏了' }).waitFor();
    await shot('tickets');
    expect(pageErrors).toEqual([]);
  });
});
