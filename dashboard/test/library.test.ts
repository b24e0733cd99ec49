/**
 * The scene library in a real Chromium against a real controller (the demo county and its demo users):
 * staff copy the built-in 鲤鱼灯, change a wave's speed and see the preview take it; an out-of-range speed
 * and a bad colour show their messages at those fields and Save cannot be pressed; fixed, the copy saves
 * and is listed with the county's scenes. The editor's pure parts (pointer → field, edits at a pointer,
 * an effect's fields from its schema) are checked first.
 *
 * Needs the built dashboard (`npm run build -w dashboard`; the root `npm test` builds first).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readProvisioning, startController, type ControllerHandle } from '@caideng/controller';
import { validateScene, type Scene } from '@caideng/scenes';
import { launchChromium } from './browser.js';
import { fieldId, fieldOfPath, formPaths, paramFields, problemsByField, readColors, readNumber, setAt, toBody } from '../src/views/scenes/sceneDraft';

const DEMO_COUNTY = fileURLToPath(new URL('../../controller/config/rong-county.json', import.meta.url));
const DIST_INDEX = fileURLToPath(new URL('../dist/index.html', import.meta.url));

describe('scene editor (pure)', () => {
  const scene = { name: 'x', palettes: { warm: ['red', 'gold'] }, layers: [{ effect: { type: 'chase', speed: 10 } }] } as unknown as Scene;

  it("reads an effect's fields from its schema", () => {
    const chase = paramFields('chase');
    expect(chase.map((f) => f.key)).toEqual(['color', 'background', 'spacing', 'width', 'speed']);
    expect(chase.find((f) => f.key === 'speed')?.input).toEqual({ kind: 'number', min: -2000, max: 2000, unit: 'px/s' });
    expect(chase.find((f) => f.key === 'color')?.input).toEqual({ kind: 'color' });
    expect(paramFields('nope')).toEqual([]);
  });

  it('edits at a JSON pointer without touching the original', () => {
    const next = setAt(scene, '/layers/0/effect/speed', 25);
    expect(next.layers[0]!.effect['speed']).toBe(25);
    expect(scene.layers[0]!.effect['speed']).toBe(10);
    expect(setAt(next, '/layers/0/effect/speed', undefined).layers[0]!.effect).toEqual({ type: 'chase' });
    expect(readNumber('')).toBeUndefined();
    expect(readNumber(' 2.5 ')).toBe(2.5);
    expect(readNumber('fast')).toBe('fast');
    expect(readColors('red, gold，#ff8800')).toEqual(['red', 'gold', '#ff8800']);
    expect(toBody({ ...scene, title: { zh: '', en: 'X' } }).title).toEqual({ en: 'X' });
  });

  it("puts the validator's and the server's problems at their fields", () => {
    const bad = setAt(setAt(scene, '/layers/0/effect/speed', 5000), '/palettes/warm/1', 'notacolour');
    const result = validateScene(bad);
    expect(result.ok).toBe(false);
    const fields = formPaths(bad);
    const at = problemsByField(result.ok ? [] : result.errors, fields);
    expect(Object.keys(at).sort()).toEqual(['/layers/0/effect/speed', '/palettes/warm']);
    expect(fieldOfPath('body/layers/0/effect/speed', fields)).toBe('/layers/0/effect/speed');
    expect(fieldOfPath('/layers/0/mask/kinds/0', fields)).toBe('/layers/0/mask');
    expect(fieldOfPath('/nonsense', fields)).toBe('');
    expect(fieldId('/layers/0/effect/speed')).toBe('sf_layers_0_effect_speed');
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

const previewScene = async () => JSON.parse((await page.locator('.scene-editor [data-testid="scene-preview"]').getAttribute('data-scene-json')) ?? 'null') as Scene | null;

describe('scene library in Chromium', () => {
  beforeAll(async () => {
    if (!existsSync(DIST_INDEX)) throw new Error('dashboard/dist is missing: run `npm run build -w dashboard` first');
    dataDir = mkdtempSync(join(tmpdir(), 'caideng-library-ui-'));
    ctl = await startController({
      dataDir,
      registryFile: DEMO_COUNTY,
      http: { host: '127.0.0.1', port: 0 },
      mqtt: { host: '127.0.0.1', port: 0 },
      auth: { demoUsers: true },
      log: { level: 'silent' },
    });
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

  it('copies 鲤鱼灯, previews each edit, refuses an invalid speed and colour at the field, saves once fixed', async () => {
    await page.goto(`${ctl.httpUrl}/#/scenes`);
    await page.locator('#signin-username').fill('xinghe-staff');
    await page.locator('#signin-password').fill(passwordOf('xinghe-staff'));
    await page.locator('[data-testid="signin-submit"]').click();
    await page.locator('[data-testid="scene-library"] [data-library-scene="carp"]').waitFor();
    await page.locator('[data-library-scene="carp"] [data-testid="scene-copy"]').click();

    await page.locator('[data-testid="scene-editor"][data-valid="yes"]').waitFor();
    expect(await page.locator('#sf_name').inputValue()).toBe('carp-copy');
    expect(await page.locator('#sf_title_zh').inputValue()).toBe('鲤鱼灯（副本）');
    const speed = page.locator('#sf_layers_1_effect_speed');
    expect(await speed.inputValue()).toBe('18');

    // A change reaches the preview as typed.
    await speed.fill('30');
    await expect.poll(async () => (await previewScene())?.layers[1]?.effect['speed']).toBe(30);
    const canvas = page.locator('.scene-editor [data-testid="scene-preview-canvas"]');
    await page.locator('.scene-editor [data-testid="scene-preview-canvas"][data-running="true"]').waitFor();
    // It animates: the scene time it drew moves on.
    const drawn = Number(await canvas.getAttribute('data-scene-ms'));
    await expect.poll(async () => Number(await canvas.getAttribute('data-scene-ms'))).toBeGreaterThan(drawn);

    // Out of range: the message sits at the field, Save is disabled, the preview waits.
    await speed.fill('5000');
    const speedProblem = page.locator('[data-problem="sf_layers_1_effect_speed"]');
    await speedProblem.waitFor();
    expect(await speedProblem.innerText()).toMatch(/-2000.*2000/);
    expect(await page.locator('#sf_layers_1_effect_speed').getAttribute('aria-describedby')).toBe('sf_layers_1_effect_speed-problem');
    expect(await page.locator('[data-testid="scene-save"]').isDisabled()).toBe(true);
    expect(await previewScene()).toBeNull();
    await page.locator('.scene-editor [data-testid="scene-preview-canvas"][data-running="false"]').waitFor();

    // A bad colour too; fixing the speed leaves that one.
    await page.locator('#sf_layers_1_effect_color').fill('notacolour');
    await page.locator('[data-problem="sf_layers_1_effect_color"]').waitFor();
    await speed.fill('24');
    await speedProblem.waitFor({ state: 'detached' });
    expect(await page.locator('[data-testid="scene-save"]').isDisabled()).toBe(true);
    await page.locator('#sf_layers_1_effect_color').fill('#ffe0a0');
    await page.locator('[data-testid="scene-editor"][data-valid="yes"]').waitFor();

    // An energy estimate of the draft before it is saved, in the page.
    await page.locator('#energy-compound').selectOption('xinghe-jiayuan');
    await page.locator('[data-testid="energy-run"]').click();
    const draftEstimate = page.locator('[data-testid="energy-result"][data-where="page"]');
    await draftEstimate.waitFor();
    const draftText = draftEstimate.innerText();
    expect(await draftText).toMatch(/千瓦时.*平均 \d+ 瓦/);

    await page.locator('[data-testid="scene-save"]').click();
    await page.locator('[data-testid="scene-saved"]').waitFor();
    await page.waitForURL(/#\/scenes\/carp-copy$/);
    // Saved: the same estimate now comes from the controller, and agrees.
    await page.locator('#energy-compound').selectOption('xinghe-jiayuan');
    await page.locator('[data-testid="energy-run"]').click();
    const stored = page.locator('[data-testid="energy-result"][data-where="controller"]');
    await stored.waitFor();
    expect(await stored.innerText()).toBe(await draftText);

    // Stored as edited, and listed with the county's scenes.
    const res = await page.request.get(`${ctl.httpUrl}/api/scenes/carp-copy`);
    const body = (await res.json()) as { scene: Scene; builtin: boolean };
    expect(body.builtin).toBe(false);
    expect(body.scene.layers[1]!.effect).toMatchObject({ type: 'wave', speed: 24, color: '#ffe0a0' });
    await page.goto(`${ctl.httpUrl}/#/scenes`);
    await page.locator('[data-testid="scene-library"] [data-library-scene="carp-copy"] [data-testid="scene-edit"]').waitFor();
    expect(pageErrors).toEqual([]);
  }, 30_000);

  it('shows the committee the library with previews but no edit controls', async () => {
    const other = await browser.newContext({ viewport: { width: 375, height: 800 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    try {
      const p = await other.newPage();
      p.setDefaultTimeout(10_000);
      await p.goto(`${ctl.httpUrl}/#/scenes`);
      await p.locator('#signin-username').fill('committee');
      await p.locator('#signin-password').fill(passwordOf('committee'));
      await p.locator('[data-testid="signin-submit"]').click();
      await p.locator('[data-testid="scene-library"] [data-library-scene="carp-copy"]').waitFor();
      await p.locator('[data-library-scene="carp"] [data-testid="scene-preview-canvas"][data-running="true"]').waitFor();
      expect(await p.locator('[data-testid="scene-copy"], [data-testid="scene-edit"], [data-testid="scene-new"]').count()).toBe(0);
    } finally {
      await other.close();
    }
  });

  it('serves the Chinese web font with the dashboard: the slice for the characters asked for loads from the controller', async () => {
    const loaded = await page.evaluate(async () => {
      const faces = await document.fonts.load('700 16px "Noto Sans SC"', '鲤鱼灯');
      return faces.map((f) => ({ family: f.family, weight: f.weight, status: f.status }));
    });
    expect(loaded.length).toBeGreaterThan(0);
    expect(loaded.every((f) => f.status === 'loaded' && f.weight === '700')).toBe(true);
    const fonts = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name).filter((n) => n.endsWith('.woff2')));
    expect(fonts.length).toBeGreaterThan(0);
    expect(fonts.every((u) => u.startsWith(ctl.httpUrl))).toBe(true);
  });
});
