/**
 * Residents' feedback end to end in a real Chromium against a real controller (the demo county with its
 * demo users): the admin's one-time link sets up the kiosk page, which speaks MQTT over WebSocket with the
 * kiosk's own credentials. A resident presses 灯坏了; within a second the staff's live feed shows it and a
 * ticket appears; the staff acknowledge it; the kiosk page (its retained status topic) and the public page
 * /t/{code} show the new state. Presses made while the kiosk's uplink is down survive a reload and are sent
 * when it is back, each stored once. And 星河家园's staff see nothing of another compound in the UI.
 *
 * Needs the built dashboard (`npm run build -w dashboard`; the root `npm test` builds first).
 * `CAIDENG_KEEP_SHOTS=<dir>` saves screenshots of the pages it visits there.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page, WebSocketRoute } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readProvisioning, startController, type ControllerHandle } from '@caideng/controller';
import { Kiosk, parseCredentials, type KioskCredential } from '@caideng/simulators';
import { launchChromium } from './browser.js';

const DEMO_COUNTY = fileURLToPath(new URL('../../controller/config/rong-county.json', import.meta.url));
const DIST_KIOSK = fileURLToPath(new URL('../dist/kiosk.html', import.meta.url));
const OWN = 'xinghe-jiayuan';
const OTHER = 'nanhu-yidu';

let dataDir: string;
let ctl: ControllerHandle;
let browser: Browser;
let browserMissing: Error | undefined;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];
const kiosks: Kiosk[] = [];
/** The kiosk page's uplink: while down, its WebSocket is closed and every new one refused. */
let uplinkDown = false;
const uplinks = new Set<WebSocketRoute>();

const provisioning = () => readProvisioning(dataDir)!;
const passwordOf = (username: string) => provisioning().users!.find((u) => u.username === username)!.password;
const adminToken = () => provisioning().operator!.token;

async function newPage(viewport = { width: 1280, height: 860 }): Promise<Page> {
  const context = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (err) => pageErrors.push(err.message));
  return page;
}

async function signIn(page: Page, username: string): Promise<void> {
  await page.locator('[data-testid="signin-form"]').waitFor();
  await page.locator('#signin-username').fill(username);
  await page.locator('#signin-password').fill(passwordOf(username));
  await page.locator('[data-testid="signin-submit"]').click();
  await page.locator('[data-testid="user"]').waitFor();
}

async function shot(page: Page, name: string): Promise<void> {
  const dir = process.env.CAIDENG_KEEP_SHOTS;
  if (dir) await page.screenshot({ path: join(dir, `feedback-${name}.png`), fullPage: true });
}

/** A simulated kiosk of the demo county speaking the real protocol (for presses the browser need not make). */
async function simulatedKiosk(compound: string, id: string, now?: () => number): Promise<Kiosk> {
  const creds = parseCredentials({ version: 1, mqtt: { url: ctl.mqttUrl }, devices: provisioning().devices.filter((d) => d.compound === compound && d.role === 'kiosk' && d.device === id) });
  const k = new Kiosk(creds.devices[0] as KioskCredential, { url: ctl.mqttUrl, reconnectPeriodMs: 0, ...(now ? { now } : {}) });
  kiosks.push(k);
  await k.start();
  return k;
}

beforeAll(async () => {
  if (!existsSync(DIST_KIOSK)) throw new Error('dashboard/dist/kiosk.html is missing: run `npm run build -w dashboard` first');
  dataDir = mkdtempSync(join(tmpdir(), 'caideng-feedback-'));
  ctl = await startController({
    dataDir,
    registryFile: DEMO_COUNTY,
    http: { host: '127.0.0.1', port: 0 },
    mqtt: { host: '127.0.0.1', port: 0 },
    auth: { demoUsers: true },
    log: { level: 'silent' },
  });
  try {
    browser = await launchChromium();
  } catch (err) {
    browserMissing = err as Error;
  }
});

beforeEach(() => {
  if (browserMissing) throw browserMissing;
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  for (const k of kiosks) await k.stop().catch(() => undefined);
  await ctl?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe("residents' feedback in the browser", () => {
  let kiosk: Page;
  let staff: Page;
  let code: string;

  it('sets up the kiosk page from the admin link, once', async () => {
    const res = await fetch(`${ctl.httpUrl}/api/devices/${OWN}/kiosk/k1/page-link`, { method: 'POST', headers: { authorization: `Bearer ${adminToken()}`, 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(200);
    const link = (await res.json()) as { url: string };
    expect(link.url).toMatch(new RegExp(`^/kiosk/${OWN}/k1#k=`));
    kiosk = await newPage({ width: 1024, height: 768 });
    // The kiosk's MQTT-over-WebSocket goes through a switch the test can open (the courtyard's Wi-Fi drops).
    await kiosk.routeWebSocket(/\/mqtt$/, (ws) => {
      if (uplinkDown) return ws.close();
      uplinks.add(ws);
      ws.connectToServer();
    });
    await kiosk.goto(`${ctl.httpUrl}${link.url}`);
    await kiosk.locator('[data-link="online"]').waitFor();
    // The code is spent and gone from the address bar; the credentials stay in the page's storage.
    expect(new URL(kiosk.url()).hash).toBe('');
    expect(await kiosk.locator('[data-button]').count()).toBe(6);
    expect(await kiosk.locator('[data-button="broken_lantern"]').innerText()).toContain('灯坏了');
    // Reloaded (a power cut), it connects again without the link.
    await kiosk.reload();
    await kiosk.locator('[data-link="online"]').waitFor();
    await shot(kiosk, 'kiosk');
    // The same link does not set up a second page.
    const again = await newPage();
    await again.goto(`${ctl.httpUrl}${link.url}`);
    await again.locator('[data-testid="kiosk-unprovisioned"]').waitFor();
  });

  it('keeps presses made offline, across a reload, and sends them when the uplink is back', async () => {
    uplinkDown = true;
    for (const ws of uplinks) await ws.close();
    uplinks.clear();
    await kiosk.locator('[data-link="offline"]').waitFor();
    await kiosk.locator('[data-button="satisfied"]').click();
    await kiosk.locator('[data-testid="kiosk-flash"]', { hasText: '已保存，联网后发送' }).waitFor();
    await kiosk.locator('[data-button="too_late"]').click();
    // A power cut while offline: the queue is in the page's storage.
    await kiosk.reload();
    await kiosk.locator('[data-link="offline"][data-pending="2"]').waitFor();
    expect(await kiosk.locator('[data-testid="kiosk-queued"]').innerText()).toContain('2 次待发送');
    uplinkDown = false;
    await kiosk.locator('[data-link="online"][data-pending="0"]').waitFor();
    const res = await fetch(`${ctl.httpUrl}/api/presses?compound=${OWN}`, { headers: { authorization: `Bearer ${adminToken()}` } });
    const { presses } = (await res.json()) as { presses: Array<{ kiosk: string; button: string; seq: number; boot?: string }> };
    const fromPage = presses.filter((p) => p.kiosk === 'k1');
    expect(fromPage.map((p) => [p.button, p.seq]).sort()).toEqual([['satisfied', 1], ['too_late', 2]]);
    expect(new Set(fromPage.map((p) => p.boot)).size).toBe(1);
  });

  it('shows a press of 灯坏了 in the staff feed within a second, and its ticket', async () => {
    staff = await newPage();
    await staff.goto(`${ctl.httpUrl}/#/feedback/${OWN}`);
    await signIn(staff, 'xinghe-staff');
    await staff.locator('[data-testid="feedback-feed"]').waitFor();
    await staff.locator('[data-connection="live"]').waitFor();

    const t0 = Date.now();
    await kiosk.locator('[data-button="broken_lantern"]').click();
    const row = staff.locator('[data-testid="feedback-feed"] [data-button="broken_lantern"]').first();
    await row.waitFor({ timeout: 1000 });
    const feedMs = Date.now() - t0;
    expect(feedMs).toBeLessThan(1000);
    // What was lit is part of the row.
    expect(await row.locator('[data-lit]').count() + (await row.locator('.lit').count())).toBeGreaterThan(0);
    await kiosk.locator('[data-testid="kiosk-flash"][data-state="received"]').waitFor();
    expect(await kiosk.locator('[data-testid="kiosk-flash"]').innerText()).toContain('已收到 ✓');

    // The feed names the ticket the press opened …
    const link = row.locator('[data-ticket-link]');
    await link.waitFor();
    const linked = await link.getAttribute('data-ticket-link');
    // … which is on the board, pushed live: open, at the compound.
    await staff.locator('[data-testid="nav-tickets"]').click();
    const card = staff.locator(`[data-testid="tickets"] [data-ticket-compound="${OWN}"][data-kiosk="k1"][data-kind="broken_lantern"]`);
    await card.waitFor();
    code = (await card.getAttribute('data-ticket'))!;
    expect(code).toBe(linked);
    expect(await card.getAttribute('data-state')).toBe('open');
    expect(await card.getAttribute('data-level')).toBe('compound');
    await shot(staff, 'board');
  });

  it('lets the staff acknowledge it; the kiosk page and /t/{code} show the new state', async () => {
    await staff.locator(`[data-ticket="${code}"]`).click();
    await staff.locator(`[data-ticket-detail="${code}"]`).waitFor();
    await staff.locator('[data-ticket-action="acknowledge"]').click();
    await staff.locator(`[data-ticket-detail="${code}"][data-state="acknowledged"]`).waitFor();
    await staff.locator('[data-testid="ticket-history"] [data-history-action="acknowledge"]').waitFor();
    expect(await staff.locator('[data-testid="ticket-history"]').innerText()).toContain('xinghe-staff');
    await shot(staff, 'ticket');

    // The retained status topic, pushed to the kiosk page.
    const onKiosk = kiosk.locator(`[data-ticket="${code}"][data-state="acknowledged"]`);
    await onKiosk.waitFor();
    expect(await onKiosk.innerText()).toContain('已受理');
    await shot(kiosk, 'kiosk-status');

    const phone = await newPage({ width: 375, height: 740 });
    await phone.goto(`${ctl.httpUrl}/t/${code}`);
    const pub = phone.locator(`[data-testid="public-ticket"][data-ticket="${code}"][data-state="acknowledged"]`);
    await pub.waitFor();
    expect(await pub.innerText()).toContain('已受理');
    // No names and no sideways scrolling on a phone.
    expect(await pub.innerText()).not.toContain('xinghe-staff');
    expect(await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
    await shot(phone, 'public');
  });

  it('escalates with a reason to the community, whose officer can act on it; the staff then cannot', async () => {
    await staff.goto(`${ctl.httpUrl}/#/tickets/${code}`);
    await staff.locator(`[data-ticket-detail="${code}"]`).waitFor();
    // A reason is required, said at the field before anything is sent.
    await staff.locator('[data-ticket-action="escalate"]').click();
    await staff.locator('[data-problem="ticket-note"]').waitFor();
    await staff.locator('#ticket-note').fill('需要社区协调更换灯具');
    await staff.locator('[data-ticket-action="escalate"]').click();
    await staff.locator(`[data-ticket-detail="${code}"][data-level="community"]`).waitFor();
    await staff.locator('[data-testid="ticket-not-yours"]').waitFor();
    expect(await staff.locator('[data-ticket-action]').count()).toBe(0);
    // The kiosk says so: 社区办理中.
    await kiosk.locator(`[data-ticket="${code}"][data-level="community"]`, { hasText: '社区办理中' }).waitFor();

    const officer = await newPage();
    await officer.goto(`${ctl.httpUrl}/#/tickets`);
    await signIn(officer, 'nanhu-officer');
    await officer.locator(`[data-board-level="community"] [data-ticket="${code}"]`).waitFor();
    await officer.locator(`[data-ticket="${code}"]`).click();
    await officer.locator('[data-ticket-action="start"]').click();
    await officer.locator(`[data-ticket-detail="${code}"][data-state="in_progress"]`).waitFor();
    expect(await officer.locator('[data-testid="ticket-history"]').innerText()).toContain('需要社区协调更换灯具');
  });

  it("keeps another compound's presses and tickets out of 星河家园 staff's screens", async () => {
    // A help request at 南湖逸都 opens a ticket there …
    const other = await simulatedKiosk(OTHER, 'k1');
    const receipt = await other.press('help');
    expect(receipt.status).toBe('stored');
    const all = (await (await fetch(`${ctl.httpUrl}/api/tickets`, { headers: { authorization: `Bearer ${adminToken()}` } })).json()) as { tickets: Array<{ code: string; compound: string }> };
    const theirs = all.tickets.find((t) => t.compound === OTHER);
    expect(theirs).toBeDefined();
    // … then a press at 星河家园: once the staff's feed shows it, the other press would have arrived before it.
    await staff.goto(`${ctl.httpUrl}/#/feedback`);
    await staff.locator('[data-testid="feedback-feed"]').waitFor();
    const before = await staff.locator('[data-testid="feedback-feed"] [data-press-id]').count();
    await kiosk.locator('[data-button="satisfied"]').click();
    await staff.locator('[data-testid="feedback-feed"] [data-press-id]').nth(before).waitFor();
    expect(await staff.locator(`[data-testid="feedback-feed"] [data-press-compound="${OTHER}"]`).count()).toBe(0);
    expect(await staff.locator(`[data-testid="feedback-feed"] [data-press-compound="${OWN}"]`).count()).toBeGreaterThan(0);
    // Not on the board, not by its address, not among the county's compounds.
    await staff.goto(`${ctl.httpUrl}/#/tickets`);
    await staff.locator(`[data-ticket="${code}"]`).waitFor();
    expect(await staff.locator(`[data-ticket="${theirs!.code}"]`).count()).toBe(0);
    // On a phone the board is a list, without sideways scrolling.
    await staff.setViewportSize({ width: 375, height: 800 });
    // Opened on the phone, as a phone would: the board reads its width when it is first drawn.
    await staff.reload();
    await staff.locator(`[data-testid="ticket-list"] [data-ticket="${code}"]`).waitFor();
    expect(await staff.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
    await shot(staff, 'tickets-phone');
    await staff.setViewportSize({ width: 1280, height: 860 });
    expect(await staff.locator(`[data-ticket-compound="${OTHER}"]`).count()).toBe(0);
    await staff.goto(`${ctl.httpUrl}/#/tickets/${theirs!.code}`);
    await staff.locator('[data-testid="ticket-missing"]').waitFor();
    expect(await staff.locator(`[data-ticket-detail]`).count()).toBe(0);
    await staff.goto(`${ctl.httpUrl}/#/feedback/${OTHER}`);
    await staff.locator('[data-testid="forbidden"]').waitFor();
    expect(pageErrors).toEqual([]);
  });

  it("raises an alert on four 不满意 and records the staff's action on it, with who did it", async () => {
    // Another kiosk of 星河家园, its presses a few seconds apart by its own clock (not repeats).
    let n = 0;
    const base = Date.now();
    const k2 = await simulatedKiosk(OWN, 'k2', () => base + 6000 * n++);
    await staff.goto(`${ctl.httpUrl}/#/feedback/${OWN}`);
    await staff.locator('[data-testid="alerts"]').waitFor();
    for (let p = 0; p < 4; p++) await k2.press('unsatisfied');
    const alert = staff.locator('[data-alert][data-kind="unsatisfied"]').first();
    await alert.waitFor();
    expect(await alert.innerText()).toContain('不满意偏多');
    await alert.locator('[data-alert-action="dim"]').click();
    await alert.locator('[data-testid="alert-actions-done"]', { hasText: 'xinghe-staff' }).waitFor();
    expect(await alert.getAttribute('data-state')).toBe('acted');
    await shot(staff, 'alerts');
    expect(pageErrors).toEqual([]);
  });
});
