/**
 * Live scene previews in a real Chromium against a real controller: 星河家园's eight lantern groups run by
 * the real simulator over MQTT (each keeping its clock with time.sync). Staff play a scene from the compound
 * page; every group's preview switches to it and shows the frame the group shows: the preview's scene time
 * (`data-scene-ms`, drawn at browser time `data-drawn-at`) against the simulated group's own scene time at
 * that instant (its estimate of the controller's clock − its reported `startedAt`), within 100 ms.
 * The clock-offset estimate is checked as pure functions.
 *
 * Needs the built dashboard (`npm run build -w dashboard`; the root `npm test` builds first).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './browser.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startController, readProvisioning, type ControllerHandle } from '@caideng/controller';
import { parseCredentials, startCounty, type County } from '@caideng/simulators';
import { bestSample, measureOffset, sampleOf } from '../src/lib/clockSync';

const DEMO_COUNTY = fileURLToPath(new URL('../../controller/config/rong-county.json', import.meta.url));
const DIST_INDEX = fileURLToPath(new URL('../dist/index.html', import.meta.url));
const OWN = 'xinghe-jiayuan';

let dataDir: string;
let ctl: ControllerHandle;
let browser: Browser;
let page: Page;
let fleet: County;
let browserMissing: Error | undefined;
const pageErrors: string[] = [];

beforeAll(async () => {
  if (!existsSync(DIST_INDEX)) throw new Error('dashboard/dist is missing: run `npm run build -w dashboard` first');
  dataDir = mkdtempSync(join(tmpdir(), 'caideng-preview-'));
  ctl = await startController({
    dataDir,
    registryFile: DEMO_COUNTY,
    http: { host: '127.0.0.1', port: 0 },
    mqtt: { host: '127.0.0.1', port: 0 },
    auth: { demoUsers: true },
    log: { level: 'silent' },
  });
  const provisioning = readProvisioning(dataDir)!;
  const credentials = parseCredentials({ version: 1, mqtt: { url: ctl.mqttUrl }, devices: provisioning.devices.filter((d) => d.compound === OWN && d.role === 'group') });
  fleet = await startCounty({ credentials, url: ctl.mqttUrl, telemetryIntervalMs: 0, reconnectPeriodMs: 0 });
  await Promise.all(fleet.groups.map((g) => (g.counters.timeSyncs > 0 ? undefined : new Promise<void>((resolve) => g.once('clockSync', () => resolve())))));
  try {
    browser = await launchChromium();
  } catch (err) {
    browserMissing = err as Error;
    return;
  }
  page = await browser.newPage({ viewport: { width: 1280, height: 2000 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (err) => pageErrors.push(err.message));
  const staff = readProvisioning(dataDir)!.users!.find((u) => u.username === 'xinghe-staff')!;
  const login = await page.context().request.post(`${ctl.httpUrl}/api/auth/login`, { data: { username: staff.username, password: staff.password } });
  if (!login.ok()) throw new Error(`sign-in failed: ${login.status()} ${await login.text()}`);
}, 60_000);

beforeEach(() => {
  if (browserMissing) throw browserMissing;
});

afterAll(async () => {
  await browser?.close();
  await fleet?.stop();
  await ctl?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('live scene previews', () => {
  it("plays a scene on a compound and every group's preview shows the group's frame", { timeout: 30_000 }, async () => {
    await page.goto(`${ctl.httpUrl}/#/compound/${OWN}`);
    await page.locator(`[data-compound-detail="${OWN}"]`).waitFor();
    const rows = page.locator('[data-group-row]');
    expect(await rows.count()).toBe(fleet.groups.length);

    await page.locator('#play-scene').selectOption('carp');
    await page.locator('[data-testid="play-scene"]').click();
    await page.locator('[data-testid="play-result"] [data-outcome="ok"]').waitFor();

    for (const g of fleet.groups) {
      const canvas = page.locator(`[data-group-row="${OWN}/group/${g.address.device}"] canvas[data-scene="carp"][data-running="true"]`);
      await canvas.waitFor();
      // The group reports when it started; the row's preview restarts on that report.
      await page.waitForFunction(
        ([sel, ms]) => {
          const el = document.querySelector(sel);
          return !!el && Number(el.getAttribute('data-scene-ms')) > ms;
        },
        [`[data-group-row="${OWN}/group/${g.address.device}"] canvas[data-scene="carp"]`, 300] as const,
      );
    }

    // Each preview against its group at the instant the preview drew its last frame.
    const deltas: number[] = [];
    for (const g of fleet.groups) {
      const startedAt = g.state.startedAt;
      expect(g.state.scene?.name).toBe('carp');
      expect(startedAt).toBeTypeOf('number');
      const drawn = await page
        .locator(`[data-group-row="${OWN}/group/${g.address.device}"] canvas[data-scene="carp"]`)
        .evaluate((el) => ({ sceneMs: Number(el.getAttribute('data-scene-ms')), drawnAt: Number(el.getAttribute('data-drawn-at')) }));
      const groupSceneMs = g.controllerNow() - (Date.now() - drawn.drawnAt) - startedAt!;
      deltas.push(drawn.sceneMs - groupSceneMs);
    }
    for (const d of deltas) expect(Math.abs(d)).toBeLessThan(100);

    // Off: no animation, and the row says so in words.
    await page.locator('[data-testid="play-off"]').click();
    for (const g of fleet.groups) {
      await page.locator(`[data-group-row="${OWN}/group/${g.address.device}"] [data-preview="off"]`, { hasText: '已关灯' }).waitFor();
    }
    expect(await page.locator('canvas[data-running="true"]').count()).toBe(0);

    // An offline group says so too.
    const lost = fleet.groups[0]!;
    await lost.stop();
    await page.locator(`[data-group-row="${OWN}/group/${lost.address.device}"] [data-preview="offline"]`, { hasText: '离线' }).waitFor();
    expect(pageErrors).toEqual([]);
  });
});

describe('clock offset to the controller', () => {
  it('takes the offset at the midpoint of the request and keeps the sample with the shortest round trip', async () => {
    expect(sampleOf(1000, 5050, 1100)).toEqual({ offsetMs: 4000, rttMs: 100, at: 1100 });
    expect(bestSample([])).toBeNull();
    const best = bestSample([sampleOf(0, 500, 80), sampleOf(100, 560, 120), sampleOf(200, 700, 260)]);
    expect(best).toEqual({ offsetMs: 450, rttMs: 20, at: 120 });

    // A controller 3 s ahead; the answers' delays vary, the fastest pins the offset.
    let t = 0;
    const delays = [40, 6, 30];
    const ask = async () => {
      const d = delays.shift()!;
      t += d / 2;
      const now = t + 3000;
      t += d / 2;
      return now;
    };
    const measured = await measureOffset(ask, 3, () => t);
    expect(measured).toMatchObject({ offsetMs: 3000, rttMs: 6 });
  });
});
