/**
 * The schedule screens in a real Chromium against a real controller (the demo county, its demo users,
 * the scheduler's real routes) on a demo clock: 2027-02-05 18:30 Beijing time (除夕) at ten times speed.
 * Staff of 星河家园 create the nightly programme (sunset + 10 min to 22:00) and see it in the week view,
 * open an entry, read the festival season; once the street's officer has set a curfew at 22:30 from the
 * area page, a rule until 23:30 shows the curfew and the conflict before it is saved; play for N minutes
 * is an override that shows in the plan. The layout helpers are checked as pure functions
 * first. Nothing is mocked; every wait is for the page to show something.
 *
 * Needs the built dashboard (`npm run build -w dashboard`; the root `npm test` builds first).
 * `CAIDENG_KEEP_SHOTS=<dir>` saves screenshots of the pages it visits there.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readProvisioning, startController, type ControllerHandle } from '@caideng/controller';
import { Clock } from '../../controller/src/clock.js';
import { launchChromium } from './browser.js';
import { dayWindows, EVENING, fieldOfPath, paletteIndex, PALETTE_SIZE, lastShow, seasonOf, segments, shownEntries, skewBins } from '../src/views/schedule/layout';
import { FIELD_OF_PATH, fromRule, newDraft, toBody } from '../src/views/schedule/ruleDraft';
import type { PlanEntry, RuleView } from '../src/data/schedule';

const DEMO_COUNTY = fileURLToPath(new URL('../../controller/config/rong-county.json', import.meta.url));
const DIST_INDEX = fileURLToPath(new URL('../dist/index.html', import.meta.url));
const OWN = 'xinghe-jiayuan';
/** 除夕 2027, evening: the demo's start. */
const DEMO_AT = Date.parse('2027-02-05T18:30:00+08:00');

describe('schedule layout (pure)', () => {
  const H = 3_600_000;
  const day0 = Date.parse('2027-02-05T00:00:00+08:00');

  it('puts each evening 12:00 → 06:00 on its own track, entries clipped and side by side when they overlap', () => {
    const days = dayWindows(day0, 7, EVENING);
    expect(days.map((d) => d.day)).toEqual(['2027-02-05', '2027-02-06', '2027-02-07', '2027-02-08', '2027-02-09', '2027-02-10', '2027-02-11']);
    expect(days[0]!.from).toBe(day0 + 12 * H);
    expect(days[0]!.to).toBe(day0 + 30 * H);
    const items = [
      { start: day0 + 18 * H, end: day0 + 22 * H },
      { start: day0 + 20 * H, end: day0 + 21 * H },
      { start: day0 + 29 * H, end: day0 + 32 * H }, // 05:00 → 08:00 next morning: cut at 06:00
    ];
    const segs = segments(items, days[0]!.from, days[0]!.to);
    expect(segs.map((s) => [s.lane, s.lanes])).toEqual([[0, 2], [1, 2], [0, 1]]);
    expect(segs[0]!.offset).toBeCloseTo(6 / 18);
    expect(segs[0]!.length).toBeCloseTo(4 / 18);
    expect(segs[2]!.cutEnd).toBe(true);
    expect(segs[2]!.length).toBeCloseTo(1 / 18);
  });

  it('draws what plays and what a rule lost, not plain idle time', () => {
    const base = { groups: ['g01'], scene: null, brightness: 0, ruleId: null, overrideId: null, since: 0 };
    const entries: PlanEntry[] = [
      { ...base, start: 0, end: 1, power: 'off', reason: 'idle', lost: [] },
      { ...base, start: 1, end: 2, power: 'on', brightness: 200, scene: { name: 'carp' }, ruleId: 'r1', reason: 'rule', lost: [] },
      { ...base, start: 2, end: 3, power: 'off', ruleId: 'c1', reason: 'curfew', lost: [{ ruleId: 'r1', why: 'curfew' }] },
    ];
    expect(shownEntries(entries).map((e) => e.start)).toEqual([1, 2]);
  });

  it("keeps a rule's colour stable and in the palette", () => {
    const ids = ['r-1', 'r-2', 'nightly-xinghe', 'curfew'];
    for (const id of ids) {
      expect(paletteIndex(id)).toBe(paletteIndex(id));
      expect(paletteIndex(id)).toBeGreaterThanOrEqual(0);
      expect(paletteIndex(id)).toBeLessThan(PALETTE_SIZE);
    }
  });

  it('places a problem at its field by JSON pointer (the longest known prefix), else above the form', () => {
    expect(fieldOfPath('/when/start/offsetMin', FIELD_OF_PATH)).toBe('rule-start-offset');
    expect(fieldOfPath('body/when/end/at', FIELD_OF_PATH)).toBe('rule-end-at');
    expect(fieldOfPath('/play/playlist/items/2/durationS', FIELD_OF_PATH)).toBe('rule-playlist');
    expect(fieldOfPath('/target/groups/0', FIELD_OF_PATH)).toBe('rule-groups');
    expect(fieldOfPath('/when/cron', FIELD_OF_PATH)).toBe('rule-days');
    expect(fieldOfPath('', FIELD_OF_PATH)).toBe('form');
  });

  it('turns the form into a RuleBody and back', () => {
    const draft = { ...newDraft(OWN, 'carp'), name: '每晚灯会', daysMode: 'lunar' as const, lunarMonth: '8', lunarDay: '15', priority: '250' };
    const body = toBody(draft);
    expect(body).toEqual({
      name: '每晚灯会',
      kind: 'nightly',
      priority: 250,
      target: { compounds: [OWN] },
      when: { days: { lunar: { month: 8, day: 15 } }, start: { sun: 'sunset', offsetMin: 10 }, end: { at: '22:00' } },
      play: { scene: { name: 'carp' }, brightness: 204 },
    });
    const view: RuleView = { ...body, id: 'r1', revision: 1, createdBy: 'x', updatedAt: 0, editable: true, warnings: [] };
    expect(toBody(fromRule(view, 'carp'))).toEqual(body);
    // A limit carries its cap and no programme.
    const quiet = toBody({ ...newDraft(OWN, 'carp'), name: '安静', kind: 'quiet', daysMode: 'every', every: 'weekday', start: { ...draft.start, mode: 'at', at: '21:30' }, maxPercent: '40' });
    expect(quiet).toMatchObject({ kind: 'quiet', maxBrightness: 102, when: { days: { every: 'weekday' }, start: { at: '21:30' } } });
    expect(quiet.play).toBeUndefined();
  });

  it('finds the coming festival season in the calendar', () => {
    const cal = [
      { date: '2027-02-05', kind: 'festival' as const, id: 'chuxi', name: { zh: '除夕', en: "New Year's Eve" } },
      { date: '2027-02-20', kind: 'festival' as const, id: 'yuanxiao', name: { zh: '元宵', en: 'Lantern Festival' } },
      { date: '2026-02-16', kind: 'festival' as const, id: 'chuxi', name: { zh: '除夕', en: "New Year's Eve" } },
      { date: '2026-03-03', kind: 'festival' as const, id: 'yuanxiao', name: { zh: '元宵', en: 'Lantern Festival' } },
    ];
    expect(seasonOf(cal, Date.parse('2026-12-02T00:00:00+08:00'), 2026)).toEqual({ from: '2027-02-05', to: '2027-02-20' });
    expect(seasonOf(cal, Date.parse('2026-02-20T00:00:00+08:00'), 2026)).toEqual({ from: '2026-02-16', to: '2026-03-03' });
  });

  it("takes the compound's latest show and its groups' skews from the sync report", () => {
    const report = {
      groups: [
        { compound: OWN, group: 'g01', skewMs: 3, startAt: 2000, commandId: 'c2', at: 0 },
        { compound: OWN, group: 'g02', skewMs: -2, startAt: 2000, commandId: 'c2', at: 0 },
        { compound: OWN, group: 'g03', skewMs: 40, startAt: 1000, commandId: 'c1', at: 0 },
        { compound: 'nanhu-yidu', group: 'g01', skewMs: 9, startAt: 3000, commandId: 'c3', at: 0 },
      ],
      shows: [
        { commandId: 'c1', compound: OWN, startAt: 1000, groups: 8, reported: 1, p50: 40, p95: 40, p99: 40, max: 40 },
        { commandId: 'c2', compound: OWN, startAt: 2000, groups: 8, reported: 2, p50: 2, p95: 3, p99: 3, max: 3 },
        { commandId: 'c3', compound: 'nanhu-yidu', startAt: 3000, groups: 1, reported: 1, p50: 9, p95: 9, p99: 9, max: 9 },
      ],
    };
    const last = lastShow(report, OWN);
    expect(last?.show.commandId).toBe('c2');
    expect(last?.skews).toEqual([3, -2]);
    expect(lastShow({ groups: [], shows: [] }, OWN)).toBeNull();
  });

  it('bins start skews for the histogram', () => {
    const bins = skewBins([-3, 0, 2, 4, 7, 12, 19]);
    expect(bins[0]!.from).toBe(-5);
    expect(bins.reduce((n, b) => n + b.count, 0)).toBe(7);
    expect(skewBins([])).toEqual([]);
  });
});

let dataDir: string;
let ctl: ControllerHandle;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];

function passwordOf(username: string): string {
  const user = readProvisioning(dataDir)?.users?.find((u) => u.username === username);
  if (!user) throw new Error(`no generated password for ${username}`);
  return user.password;
}

async function shot(name: string): Promise<void> {
  const dir = process.env.CAIDENG_KEEP_SHOTS;
  if (dir) await page.screenshot({ path: join(dir, `schedule-${name}.png`), fullPage: true });
}

describe('schedule screens in Chromium', () => {
  beforeAll(async () => {
    if (!existsSync(DIST_INDEX)) throw new Error('dashboard/dist is missing: run `npm run build -w dashboard` first');
    dataDir = mkdtempSync(join(tmpdir(), 'caideng-schedule-ui-'));
    ctl = await startController({
      dataDir,
      registryFile: DEMO_COUNTY,
      http: { host: '127.0.0.1', port: 0 },
      mqtt: { host: '127.0.0.1', port: 0 },
      auth: { demoUsers: true },
      log: { level: 'silent' },
    }, { clock: new Clock({ at: DEMO_AT, speed: 10 }) });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (err) => pageErrors.push(err.message));
  });

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await browser?.close();
    await ctl?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  let ruleId: string;

  it('lets staff create the nightly programme (sunset + 10 min to 22:00) and shows it in the week view', async () => {
    await page.goto(`${ctl.httpUrl}/#/schedule/${OWN}`);
    await page.locator('#signin-username').fill('xinghe-staff');
    await page.locator('#signin-password').fill(passwordOf('xinghe-staff'));
    await page.locator('[data-testid="signin-submit"]').click();
    await page.locator(`[data-schedule="${OWN}"] [data-testid="week-view"]`).waitFor();
    // The header says the time is a demo's, and which.
    const badge = page.locator('[data-testid="demo-clock"]');
    await badge.waitFor();
    expect(await badge.innerText()).toMatch(/演示时钟 2027-02-05 18:3\d ×10/);
    // The week starts today, 除夕, with the now line in it; nothing is scheduled yet.
    await page.locator('[data-day="2027-02-05"] [data-testid="now-line"]').waitFor();
    expect(await page.locator('[data-testid="plan-entry"]').count()).toBe(0);

    await page.locator('[data-testid="rule-new"]').click();
    const form = page.locator('[data-testid="rule-form"]');
    await form.waitFor();
    await form.locator('#rule-name').fill('星河每晚灯会');
    await form.locator('#rule-kind').selectOption('nightly');
    // The kind's default priority is shown, not required.
    expect(await form.locator('#rule-priority').getAttribute('placeholder')).toBe('200');
    await form.locator('#rule-start-mode').selectOption('sun');
    await form.locator('#rule-start-sun').selectOption('sunset');
    // Out of range: the controller's check names the field, and the form shows it there.
    await form.locator('#rule-start-offset').fill('500');
    await form.locator('[data-problem="rule-start-offset"]').waitFor();
    await form.locator('#rule-start-offset').fill('10');
    await form.locator('[data-problem="rule-start-offset"]').waitFor({ state: 'detached' });
    await form.locator('#rule-end-mode').selectOption('at');
    await form.locator('#rule-end-at').fill('22:00');
    await form.locator('#rule-scene').selectOption('carp');
    await form.locator('[data-testid="rule-check"][data-state="done"] [data-testid="rule-clean"]').waitFor();
    await shot('editor-clean');
    await form.locator('[data-testid="rule-save"]').click();
    await page.locator('[data-testid="rule-saved"]').waitFor();

    const row = page.locator('[data-rule-row]', { hasText: '星河每晚灯会' });
    await row.waitFor();
    ruleId = (await row.getAttribute('data-rule-row'))!;
    // Every evening of the week has the show, named in its block.
    const blocks = page.locator(`[data-testid="plan-entry"][data-rule="${ruleId}"]`);
    await blocks.first().waitFor();
    const days = await page.locator('[data-testid="week-view"] [data-day]').evaluateAll((els) => els.map((e) => e.getAttribute('data-day')));
    expect(days).toHaveLength(7);
    for (const day of days) expect(await page.locator(`[data-day="${day}"] [data-rule="${ruleId}"]`).count()).toBeGreaterThanOrEqual(1);
    const first = page.locator(`[data-day="2027-02-05"] [data-rule="${ruleId}"]`).first();
    const text = await first.innerText();
    expect(text).toContain('星河每晚灯会');
    expect(text).toContain('鲤鱼灯');
    // Sunset in Rong County on 5 Feb 2027 is about 18:40 (+ 10 min); the show ends at 22:00.
    const times = /(\d\d):(\d\d)–22:00/.exec(text);
    expect(times).not.toBeNull();
    const startMin = Number(times![1]) * 60 + Number(times![2]);
    expect(startMin).toBeGreaterThanOrEqual(18 * 60 + 35);
    expect(startMin).toBeLessThanOrEqual(19 * 60 + 5);

    // Clicking a block opens its panel: which rule won, and the scene by its Chinese name.
    await first.click();
    const panel = page.locator('[data-testid="entry-panel"]');
    await panel.waitFor();
    expect(await panel.locator('[data-testid="entry-won"]').innerText()).toContain('星河每晚灯会');
    expect(await panel.locator('[data-testid="entry-scene"]').innerText()).toContain('鲤鱼灯');
    // And from the keyboard: another evening's block, Enter.
    await page.locator(`[data-day="2027-02-07"] [data-rule="${ruleId}"]`).first().focus();
    await page.keyboard.press('Enter');
    await panel.locator('h2', { hasText: '02/07' }).waitFor();
    await shot('week');
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'detached' });
  });

  it("shows a rule past the street's curfew, and its conflict, before it is saved", async () => {
    // The street's officer sets the curfew over the whole street, from the area page.
    const officerContext = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    const officer = await officerContext.newPage();
    officer.setDefaultTimeout(10_000);
    officer.on('pageerror', (err) => pageErrors.push(err.message));
    try {
      await officer.goto(`${ctl.httpUrl}/#/schedule`);
      await officer.locator('#signin-username').fill('xuyang-officer');
      await officer.locator('#signin-password').fill(passwordOf('xuyang-officer'));
      await officer.locator('[data-testid="signin-submit"]').click();
      await officer.locator(`[data-testid="area-picker"] [data-schedule-link="${OWN}"]`).waitFor();
      await officer.locator('[data-testid="rule-new"]').click();
      const form = officer.locator('[data-testid="rule-form"]');
      await form.locator('#rule-kind').selectOption('curfew');
      await form.locator('#rule-name').fill('旭阳镇宵禁');
      await form.locator('[data-target-area="xuyang"]').check();
      await form.locator('#rule-start-mode').selectOption('at');
      await form.locator('#rule-start-at').fill('22:30');
      await form.locator('#rule-end-mode').selectOption('at');
      await form.locator('#rule-end-at').fill('06:00');
      // A limit has no programme and no priority of its own.
      expect(await form.locator('#rule-play-mode').count()).toBe(0);
      expect(await form.locator('#rule-priority').count()).toBe(0);
      await form.locator('[data-testid="rule-check"][data-state="done"]').waitFor();
      await form.locator('[data-testid="rule-save"]').click();
      await officer.locator('[data-testid="rule-saved"]').waitFor();
    } finally {
      await officerContext.close();
    }
    const curfewId = (await page.evaluate(async () => {
      const res = await fetch('/api/rules?compound=xinghe-jiayuan');
      return ((await res.json()) as { rules: Array<{ id: string; kind: string }> }).rules.find((r) => r.kind === 'curfew')?.id;
    }))!;
    expect(curfewId).toBeTruthy();

    // The staff's open page gets it pushed (socket.io `schedule`): the curfew is drawn over the week, hatched and labelled.
    const band = page.locator(`[data-day="2027-02-05"] [data-testid="plan-limit"][data-limit="curfew"]`);
    await band.waitFor();
    expect(await band.innerText()).toContain('宵禁');

    await page.locator('[data-testid="rule-new"]').click();
    const form = page.locator('[data-testid="rule-form"]');
    await form.locator('#rule-name').fill('星河加场');
    await form.locator('#rule-start-mode').selectOption('at');
    await form.locator('#rule-start-at').fill('19:00');
    await form.locator('#rule-end-mode').selectOption('at');
    await form.locator('#rule-end-at').fill('23:30');
    const warnings = form.locator('[data-testid="rule-warnings"]');
    const cut = warnings.locator(`[data-warning$="hidden-by-curfew"][data-other="${curfewId}"]`);
    await cut.waitFor();
    expect(await cut.innerText()).toContain('旭阳镇宵禁');
    // Same priority, same evening, same compound as the nightly programme: a conflict, named.
    const conflict = warnings.locator(`[data-warning="conflict"][data-other="${ruleId}"]`);
    await conflict.waitFor();
    expect(await conflict.innerText()).toContain('星河每晚灯会');
    // Warnings never block: the button says so.
    expect(await form.locator('[data-testid="rule-save"]').innerText()).toBe('仍然保存');
    await shot('editor-curfew');
    // Nothing was stored by checking.
    await form.locator('[data-testid="rule-cancel"]').click();
    expect(await page.locator('[data-rule-row]', { hasText: '星河加场' }).count()).toBe(0);
  });

  it('plays a scene now for N minutes as an override, shown in the plan and ended early', async () => {
    await page.goto(`${ctl.httpUrl}/#/compound/${OWN}`);
    await page.locator('[data-testid="play-controls"]').waitFor();
    await page.locator('#play-scene').selectOption('lotus');
    await page.locator('#play-minutes').fill('15');
    await page.locator('[data-testid="play-scene"]').click();
    const result = page.locator('[data-testid="play-result"] [data-outcome="ok"]');
    await result.waitFor();
    expect(await result.innerText()).toContain('恢复节目单');
    const running = page.locator('[data-testid="overrides"] [data-override]');
    await running.waitFor();
    const overrideId = await running.getAttribute('data-override');

    // The compound's schedule shows it on top of the programme, and why the programme lost there.
    await page.locator('[data-testid="schedule-link"]').click();
    const block = page.locator(`[data-day="2027-02-05"] [data-testid="plan-entry"][data-override="${overrideId}"]`);
    await block.waitFor();
    expect(await block.innerText()).toContain('手动播放');
    await block.click();
    await page.locator('[data-testid="entry-panel"] [data-testid="entry-won"]', { hasText: '手动播放' }).waitFor();

    await page.goBack();
    await page.locator(`[data-testid="overrides"] [data-override="${overrideId}"] [data-action="end-override"]`).click();
    await page.locator('[data-testid="overrides"]').waitFor({ state: 'detached' });
    await page.goto(`${ctl.httpUrl}/#/schedule/${OWN}`);
  });

  it('shows the festival season from 除夕 to 元宵 and fits a phone', async () => {
    await page.locator('[data-tab="season"]').click();
    const rows = page.locator('[data-testid="season-view"] [data-season-day]');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(16);
    expect(await rows.first().getAttribute('data-season-day')).toBe('2027-02-05');
    expect(await rows.last().getAttribute('data-season-day')).toBe('2027-02-20');
    expect(await page.locator('[data-season-day="2027-02-05"] [data-festival="chuxi"]').innerText()).toBe('除夕');
    await page.locator(`[data-season-day="2027-02-20"] [data-rule="${ruleId}"]`).first().waitFor();

    await page.setViewportSize({ width: 375, height: 800 });
    await page.locator('[data-tab="week"]').click();
    const week = page.locator('[data-testid="week-view"]');
    await week.waitFor();
    await page.waitForFunction(() => document.documentElement.clientWidth <= 375);
    // The week scrolls inside its box; the page never sideways.
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0);
    expect(await week.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
    await shot('phone');
    expect(pageErrors).toEqual([]);
  });
});
