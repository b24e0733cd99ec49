/**
 * Accounts in a real Chromium against a real controller: the demo county (22 compounds) with its demo
 * users, 星河家园's eight lantern groups run by the real simulator over MQTT. Each user has their own
 * browser context (their own cookies). Nothing is mocked; every wait is for the page to show something.
 *
 * Needs the built dashboard (`npm run build -w dashboard`; the root `npm test` builds first).
 * `CAIDENG_KEEP_SHOTS=<dir>` saves screenshots of the pages it visits there.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './browser.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startController, readProvisioning, type ControllerHandle } from '@caideng/controller';
import { parseCredentials, startCounty, type County } from '@caideng/simulators';

const DEMO_COUNTY = fileURLToPath(new URL('../../controller/config/rong-county.json', import.meta.url));
const DIST_INDEX = fileURLToPath(new URL('../dist/index.html', import.meta.url));
const OWN = 'xinghe-jiayuan';
const OTHER = 'nanhu-yidu';

let dataDir: string;
let ctl: ControllerHandle;
let browser: Browser;
let fleet: County;
let browserMissing: Error | undefined;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];

function passwordOf(username: string): string {
  const user = readProvisioning(dataDir)?.users?.find((u) => u.username === username);
  if (!user) throw new Error(`no generated password for ${username}`);
  return user.password;
}

/** A fresh browser profile (no cookies) at 1280 px unless told otherwise. */
async function newPage(viewport = { width: 1280, height: 860 }): Promise<Page> {
  const context = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (err) => pageErrors.push(err.message));
  return page;
}

async function signIn(page: Page, username: string, password = passwordOf(username)): Promise<void> {
  await page.locator('#signin-username').fill(username);
  await page.locator('#signin-password').fill(password);
  await page.locator('[data-testid="signin-submit"]').click();
}

/** A screenshot for a person to look at, only when asked for (`CAIDENG_KEEP_SHOTS`). */
async function shot(page: Page, name: string): Promise<void> {
  const dir = process.env.CAIDENG_KEEP_SHOTS;
  if (dir) await page.screenshot({ path: join(dir, `accounts-${name}.png`), fullPage: true });
}

const hash = (page: Page) => new URL(page.url()).hash;
/** The router sets the hash right after it renders the view: wait for it (up to 5 s), then compare. */
async function expectHash(page: Page, expected: string): Promise<void> {
  await page.waitForFunction((h) => location.hash === h, expected, { timeout: 5000 }).catch(() => undefined);
  expect(hash(page)).toBe(expected);
}
const noSidewaysScroll = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

beforeAll(async () => {
  if (!existsSync(DIST_INDEX)) throw new Error('dashboard/dist is missing: run `npm run build -w dashboard` first');
  dataDir = mkdtempSync(join(tmpdir(), 'caideng-accounts-'));
  ctl = await startController({
    dataDir,
    registryFile: DEMO_COUNTY,
    http: { host: '127.0.0.1', port: 0 },
    mqtt: { host: '127.0.0.1', port: 0 },
    auth: { demoUsers: true },
    log: { level: 'silent' },
  });
  // 星河家园's lantern groups, simulated devices speaking the real protocol with their provisioned secrets.
  const provisioning = readProvisioning(dataDir)!;
  const credentials = parseCredentials({ version: 1, mqtt: { url: ctl.mqttUrl }, devices: provisioning.devices.filter((d) => d.compound === OWN && d.role === 'group') });
  fleet = await startCounty({ credentials, url: ctl.mqttUrl, telemetryIntervalMs: 0, reconnectPeriodMs: 0 });
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
  // The browser goes first: the controller's stop waits for open socket.io connections to end.
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await fleet?.stop();
  await ctl?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('accounts in the dashboard', () => {
  let staff: Page;

  it('sends an unauthenticated visit to sign-in, and back to the requested page after signing in', async () => {
    staff = await newPage();
    await staff.goto(`${ctl.httpUrl}/#/compound/${OWN}`);
    await staff.locator('[data-testid="signin-form"]').waitFor();
    await expectHash(staff, `#/signin?next=${encodeURIComponent(`/compound/${OWN}`)}`);
    // No live connection and no data before signing in.
    expect(await staff.locator('[data-compound-detail]').count()).toBe(0);

    // A wrong password gets the one generic message, the same as an unknown user.
    await signIn(staff, 'xinghe-staff', 'not-the-password');
    await staff.locator('[data-testid="signin-error"]', { hasText: '用户名或密码不正确' }).waitFor();
    await signIn(staff, 'nobody-here', 'not-the-password');
    await staff.locator('[data-testid="signin-error"]', { hasText: '用户名或密码不正确' }).waitFor();
    // An empty field is named at the field, before anything is sent.
    await staff.locator('#signin-username').fill('');
    await staff.locator('[data-testid="signin-submit"]').click();
    await staff.locator('[data-problem="signin-username"]', { hasText: '请输入用户名' }).waitFor();
    await shot(staff, 'signin');
    // The sign-in page has the language toggle too.
    await staff.locator('[data-testid="lang-toggle"]').click();
    await staff.locator('label[for="signin-username"]', { hasText: 'Username' }).waitFor();
    expect(await staff.locator('[data-problem="signin-username"]').count()).toBe(1);
    await staff.locator('[data-testid="lang-toggle"]').click();
    await staff.locator('label[for="signin-username"]', { hasText: '用户名' }).waitFor();
    expect(await staff.locator('#signin-username').getAttribute('aria-invalid')).toBe('true');

    await signIn(staff, 'xinghe-staff');
    await staff.locator(`[data-compound-detail="${OWN}"]`).waitFor();
    await expectHash(staff, `#/compound/${OWN}`);
    // The header names the user, the role and the scope.
    expect(await staff.locator('[data-testid="user-name"]').innerText()).toContain('星河物业');
    expect(await staff.locator('[data-testid="user-role"]').innerText()).toContain('物业人员');
    expect(await staff.locator('[data-testid="user-scope"]').innerText()).toContain('星河家园、星河春天');
    // Staff have neither the admin page nor the audit log.
    expect(await staff.locator('[data-testid="nav-admin"]').count()).toBe(0);
  });

  it("shows staff only their compounds, with totals of those", async () => {
    await staff.goto(`${ctl.httpUrl}/#/`);
    await staff.locator('[data-connection="live"]').waitFor();
    const shown = await staff.locator('[data-compound]').evaluateAll((els) => els.map((e) => e.getAttribute('data-compound')));
    expect(shown.sort()).toEqual(['xinghe-chuntian', 'xinghe-jiayuan']);
    expect(await staff.locator('[data-kpi="compounds"] dd').innerText()).toBe('2');
    // 8 groups of 星河家园 and 15 of 星河春天; only 星河家园's are connected (they start switched off).
    await staff.locator('[data-kpi="groups"] dd', { hasText: '8/23' }).waitFor();
  });

  it('plays a scene on their compound and shows that every group acked it', async () => {
    await staff.locator(`[data-compound="${OWN}"] .card__name a`).click();
    await staff.locator('[data-testid="play-controls"]').waitFor();
    await staff.locator('#play-scene').selectOption('carp');
    await staff.locator('#play-brightness').fill('60');
    await staff.locator('[data-testid="play-scene"]').click();
    const result = staff.locator('[data-testid="play-result"] [data-outcome="ok"]');
    await result.waitFor();
    expect(await result.innerText()).toContain('8/8');
    // The simulated lantern groups got it over MQTT and play it now.
    const groups = fleet.groups.filter((g) => g.credential.compound === OWN);
    expect(groups).toHaveLength(8);
    for (const g of groups) expect(g.state).toMatchObject({ power: 'on', brightness: 153, scene: { name: 'carp' } });
    // And the page shows what they play, pushed live.
    await staff.locator('[data-testid="now-playing"]', { hasText: '鲤鱼灯' }).waitFor();
    await staff.locator(`[data-group-row="${OWN}/group/g01"] td[data-scene="carp"]`).waitFor();
    await shot(staff, 'compound-staff');

    await staff.locator('[data-testid="play-off"]').click();
    await staff.locator('[data-testid="play-result"] [data-outcome="ok"]', { hasText: '关灯：8/8' }).waitFor();
    for (const g of groups) expect(g.state.power).toBe('off');
    await staff.locator(`[data-group-row="${OWN}/group/g01"][data-status="off"]`).waitFor();
    // Back on, for the committee to see what plays.
    await staff.locator('[data-testid="play-scene"]').click();
    await staff.locator('[data-testid="play-result"] [data-outcome="ok"]', { hasText: '鲤鱼灯' }).waitFor();
    for (const g of groups) expect(g.state).toMatchObject({ power: 'on', scene: { name: 'carp' } });
  });

  it('locks a username out after repeated failures and says how long to wait, even for the right password', async () => {
    const page = await newPage();
    await page.goto(`${ctl.httpUrl}/`);
    await page.locator('[data-testid="signin-form"]').waitFor();
    const error = page.locator('[data-testid="signin-error"]');
    // lockoutAfter is 5: the sixth attempt within the window is refused as locked.
    for (let n = 1; n <= 5; n++) {
      await signIn(page, 'xuyang-officer', `wrong-password-${n}`);
      await page.locator(`[data-testid="signin-error"]`).waitFor();
      await page.waitForFunction(() => !document.querySelector('[data-testid="signin-submit"]')?.hasAttribute('disabled'));
    }
    await signIn(page, 'xuyang-officer');
    await error.filter({ hasText: '登录失败次数过多' }).waitFor();
    expect(await error.innerText()).toMatch(/请在 \d+ 分钟后再试/);
    expect(await page.locator('[data-testid="user"]').count()).toBe(0);
  });

  it("gets the 403 message on another compound's URL", async () => {
    await staff.goto(`${ctl.httpUrl}/#/compound/${OTHER}`);
    const refused = staff.locator('[data-testid="forbidden"]');
    await refused.waitFor();
    expect(await refused.innerText()).toContain('无权访问');
    expect(await refused.innerText()).toContain(OTHER);
    await shot(staff, 'forbidden');
    expect(await staff.locator('[data-testid="play-controls"]').count()).toBe(0);
  });

  it('lets the committee see all 22 compounds and what plays, with no play controls', async () => {
    const committee = await newPage();
    await committee.goto(`${ctl.httpUrl}/`);
    await committee.locator('[data-testid="signin-form"]').waitFor();
    await signIn(committee, 'committee');
    await committee.locator('[data-connection="live"]').waitFor();
    await committee.locator('[data-compound]').nth(21).waitFor();
    expect(await committee.locator('[data-compound]').count()).toBe(22);
    expect(await committee.locator('[data-kpi="compounds"] dd').innerText()).toBe('22');
    expect(await committee.locator('[data-testid="user-role"]').innerText()).toContain('红色物业委员会');
    await committee.locator(`[data-compound="${OWN}"] [data-scenes]`, { hasText: '鲤鱼灯' }).waitFor();

    await committee.locator(`[data-compound="${OWN}"] .card__name a`).click();
    await committee.locator(`[data-compound-detail="${OWN}"]`).waitFor();
    await committee.locator('[data-testid="now-playing"]', { hasText: '鲤鱼灯' }).waitFor();
    await shot(committee, 'compound-committee');
    // Hidden, not disabled.
    expect(await committee.locator('[data-testid="play-controls"]').count()).toBe(0);
    expect(await committee.locator('button', { hasText: '立即播放' }).count()).toBe(0);
    // The committee reads the audit log (within its scope) but administers nothing.
    expect(await committee.locator('[data-testid="nav-admin"]').innerText()).toBe('审计日志');
    await committee.goto(`${ctl.httpUrl}/#/admin/users`);
    await committee.locator('[data-testid="forbidden"]').waitFor();
  });

  it('lets the admin create a user, who is then in the list and the audit log and can sign in', async () => {
    const admin = await newPage();
    await admin.goto(`${ctl.httpUrl}/#/admin/users`);
    await admin.locator('[data-testid="signin-form"]').waitFor();
    await signIn(admin, 'admin');
    await admin.locator('[data-testid="user-list"] [data-user="xinghe-staff"]').waitFor();
    await expectHash(admin, '#/admin/users');

    await admin.locator('[data-testid="user-add"]').click();
    const form = admin.locator('[data-testid="user-add-form"]');
    // The controller's rule is checked at the field first.
    await form.locator('#new-username').fill('Bad Name');
    await form.locator('[data-testid="user-save"]').click();
    await form.locator('[data-problem="new-username"]').waitFor();
    await form.locator('#new-username').fill('lantern-keeper');
    await form.locator('#new-display').fill('灯笼管理员');
    await form.locator('#new-role').selectOption('staff');
    await form.locator(`[data-scope="${OTHER}"]`).check();
    await form.locator('[data-testid="user-save"]').click();
    const secret = admin.locator('[data-testid="secret-value"]');
    await secret.waitFor();
    const password = await secret.inputValue();
    expect(password.length).toBeGreaterThanOrEqual(10);
    const row = admin.locator('[data-testid="user-list"] [data-user="lantern-keeper"]');
    await row.waitFor();
    expect(await row.innerText()).toContain('南湖逸都');
    await shot(admin, 'users');

    await admin.locator('[data-tab="audit"]').click();
    await admin.locator('#audit-action').fill('user.');
    await admin.locator('[data-testid="audit-apply"]').click();
    await admin.locator('[data-testid="audit-list"] [data-audit="user.create"][data-actor="admin"][data-outcome="ok"]').waitFor();
    expect(await admin.locator('[data-testid="audit-csv"]').getAttribute('href')).toBe('/api/audit?action=user.&format=csv');
    await shot(admin, 'audit');

    // The password shown once works: the new user signs in and sees their one compound.
    const keeper = await newPage();
    await keeper.goto(`${ctl.httpUrl}/`);
    await keeper.locator('[data-testid="signin-form"]').waitFor();
    await signIn(keeper, 'lantern-keeper', password);
    await keeper.locator(`[data-compound="${OTHER}"]`).waitFor();
    expect(await keeper.locator('[data-compound]').count()).toBe(1);

    // Disabling the user ends their session: their open page goes to sign-in without a reload.
    await keeper.evaluate(() => ((window as unknown as { caidengNoReload: boolean }).caidengNoReload = true));
    await admin.locator('[data-tab="users"]').click();
    await admin.locator('[data-user="lantern-keeper"] [data-action="disable"]').click();
    await admin.locator('[data-user="lantern-keeper"][data-disabled="true"]').waitFor();
    await keeper.locator('[data-testid="signin-form"]').waitFor();
    expect(await keeper.evaluate(() => (window as unknown as { caidengNoReload?: boolean }).caidengNoReload)).toBe(true);
    await signIn(keeper, 'lantern-keeper', password);
    await keeper.locator('[data-testid="signin-error"]', { hasText: '用户名或密码不正确' }).waitFor();
  });

  it("lets the admin create an API token, shown once, that works as a bearer token, and revoke it", async () => {
    const admin = await newPage();
    await admin.goto(`${ctl.httpUrl}/#/admin/tokens`);
    await signIn(admin, 'admin');
    await admin.locator('[data-testid="token-form"]').waitFor();
    await admin.locator('#token-name').fill('nightly export');
    await admin.locator('[data-testid="token-create"]').click();
    const token = await admin.locator('[data-testid="secret-value"]').inputValue();
    expect(token).toMatch(/^cdt_/);
    const row = admin.locator('[data-testid="token-list"] tr[data-token]', { hasText: 'nightly export' });
    await row.waitFor();
    const users = await fetch(`${ctl.httpUrl}/api/users`, { headers: { authorization: `Bearer ${token}` } });
    expect(users.status).toBe(200);

    admin.once('dialog', (d) => void d.accept());
    await row.locator('[data-action="revoke"]').click();
    await row.waitFor({ state: 'detached' });
    expect((await fetch(`${ctl.httpUrl}/api/users`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
  });

  it('signs out everywhere: this page and the same user\'s other browser go to sign-in', async () => {
    const elsewhere = await newPage();
    await elsewhere.goto(`${ctl.httpUrl}/#/compound/xinghe-chuntian`);
    await signIn(elsewhere, 'xinghe-staff');
    await elsewhere.locator('[data-connection="live"]').waitFor();
    await elsewhere.evaluate(() => ((window as unknown as { caidengNoReload: boolean }).caidengNoReload = true));

    await staff.goto(`${ctl.httpUrl}/#/`);
    staff.once('dialog', (d) => void d.accept());
    await staff.locator('[data-testid="sign-out-everywhere"]').click();
    await staff.locator('[data-testid="signin-form"]').waitFor();
    // The other browser learns it from its live connection, which the controller closes, and keeps its place.
    await elsewhere.locator('[data-testid="signin-form"]').waitFor();
    expect(await elsewhere.evaluate(() => (window as unknown as { caidengNoReload?: boolean }).caidengNoReload)).toBe(true);
    await expectHash(elsewhere, `#/signin?next=${encodeURIComponent('/compound/xinghe-chuntian')}`);
    await staff.reload();
    await staff.locator('[data-testid="signin-form"]').waitFor();
    expect(await staff.locator('[data-compound]').count()).toBe(0);
  });

  it('fits a 375 px phone: sign-in and a compound with its play controls', async () => {
    const phone = await newPage({ width: 375, height: 740 });
    await phone.goto(`${ctl.httpUrl}/#/compound/${OWN}`);
    await phone.locator('[data-testid="signin-form"]').waitFor();
    expect(await noSidewaysScroll(phone)).toBeLessThanOrEqual(0);
    await signIn(phone, 'xinghe-staff');
    await phone.locator('[data-testid="play-controls"]').waitFor();
    await shot(phone, 'phone');
    expect(await noSidewaysScroll(phone)).toBeLessThanOrEqual(0);
    // English labels are longer; the header still wraps instead of overflowing.
    await phone.locator('[data-testid="lang-toggle"]').click();
    await phone.locator('[data-testid="play-scene"]', { hasText: 'Play now' }).waitFor();
    await shot(phone, 'phone-en');
    expect(await noSidewaysScroll(phone)).toBeLessThanOrEqual(0);
    expect(pageErrors).toEqual([]);
  });
});
