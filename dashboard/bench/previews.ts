/**
 * Dashboard benchmark in headless Chromium (`npm run bench -w dashboard`):
 *
 *  - first load: gzipped JavaScript the county wall (`#/`) fetches until it is live, and the entry's static
 *    imports (dist/index.html's scripts and modulepreloads);
 *  - frame times on a compound page with its 16 live scene previews, while the whole county streams in:
 *    a real controller and a real simulated fleet over MQTT, 22 compounds × 16 lantern groups (the demo
 *    county padded to 16 groups each), every group sending telemetry at 1 Hz and all playing a scene; the
 *    page is signed in as admin, so its socket carries all 352 groups' updates. Measured twice in the same
 *    run: previews animating, then previews still (the system's reduce-motion setting, which the previews
 *    follow). p95 of requestAnimationFrame intervals, long tasks > 50 ms (PerformanceObserver 'longtask'),
 *    and the previews' own script time per drawn tick (render + paint of all 16, from the preview loop).
 *
 * Prints JSON and a table, and writes the JSON to bench-results/dashboard-previews.json at the repository's root
 * (untracked; BENCH_OUT to change it).
 * Needs the built dashboard (the script builds it).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { it } from 'vitest';
import { provisioningPath, readProvisioning, startController } from '@caideng/controller';
import { startCounty } from '@caideng/simulators';
import { launchChromium } from '../test/browser.js';

const DEMO_COUNTY = fileURLToPath(new URL('../../controller/config/rong-county.json', import.meta.url));
const DIST = fileURLToPath(new URL('../dist/', import.meta.url));
const OUT = process.env.BENCH_OUT ?? fileURLToPath(new URL('../../bench-results/dashboard-previews.json', import.meta.url));
const GROUPS_PER_COMPOUND = 16;
const MEASURE_MS = Number(process.env.BENCH_MS ?? 10_000);
const COMPOUND = 'xinghe-jiayuan';

interface Group {
  id: string;
  name: string;
  nameEn?: string;
  [k: string]: unknown;
}

/** The demo county with every compound's groups repeated up to 16. */
function paddedCounty(): unknown {
  const county = JSON.parse(readFileSync(DEMO_COUNTY, 'utf8'));
  for (const street of county.streets) {
    for (const community of street.communities) {
      for (const compound of community.compounds) {
        const groups: Group[] = compound.groups;
        const base = groups.length;
        for (let n = base; n < GROUPS_PER_COMPOUND; n++) {
          const like = groups[n % base]!;
          groups.push({ ...like, id: `b${String(n + 1).padStart(2, '0')}`, name: `${like.name}${n + 1}`, ...(like.nameEn ? { nameEn: `${like.nameEn} ${n + 1}` } : {}) });
        }
      }
    }
  }
  return county;
}

function gzipBytes(file: string): number {
  return gzipSync(readFileSync(file), { level: 9 }).length;
}

const p95 = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.min(s.length - 1, Math.ceil(0.95 * s.length) - 1)]!;
};

it('benchmarks the dashboard', { timeout: 300_000 }, async () => {
  if (!existsSync(join(DIST, 'index.html'))) throw new Error('dashboard/dist is missing: run `npm run build -w dashboard` first');
  const dataDir = mkdtempSync(join(tmpdir(), 'caideng-dashboard-bench-'));
  const registryFile = join(dataDir, 'county-16.json');
  writeFileSync(registryFile, JSON.stringify(paddedCounty()));
  const ctl = await startController({
    dataDir,
    registryFile,
    http: { host: '127.0.0.1', port: 0 },
    mqtt: { host: '127.0.0.1', port: 0 },
    log: { level: 'silent' },
  });
  const fleet = await startCounty({ credentials: provisioningPath(dataDir), url: ctl.mqttUrl, kiosksPerCompound: 0, telemetryIntervalMs: 1000, connectConcurrency: 100 });
  const browser = await launchChromium();
  try {
    const provisioning = readProvisioning(dataDir)!;
    const admin = provisioning.users!.find((u) => u.username === 'admin')!;
    const token = provisioning.operator!.token;
    const groups = fleet.groups.length;

    // Every compound plays a scene (pixel strings and lantern rows alike).
    const compounds = [...new Set(fleet.groups.map((g) => g.address.compound))];
    for (const c of compounds) {
      const res = await fetch(`${ctl.httpUrl}/api/compounds/${c}/commands`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ power: 'on', brightness: 220, scene: { name: 'sky-full-of-stars', seed: 7 } }),
      });
      if (res.status !== 202 && res.status !== 200) throw new Error(`play on ${c}: ${res.status} ${await res.text()}`);
    }

    const context = await browser.newContext({ viewport: { width: 1280, height: 2400 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    const login = await context.request.post(`${ctl.httpUrl}/api/auth/login`, { data: { username: admin.username, password: admin.password } });
    if (!login.ok()) throw new Error(`sign-in failed: ${login.status()}`);
    await context.addInitScript(() => {
      const w = window as unknown as { benchMessages: number; benchLong: number[] };
      w.benchMessages = 0;
      w.benchLong = [];
      const Native = window.WebSocket;
      window.WebSocket = class extends Native {
        constructor(url: string | URL, protocols?: string | string[]) {
          super(url, protocols);
          this.addEventListener('message', () => w.benchMessages++);
        }
      };
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.benchLong.push(e.duration);
      }).observe({ type: 'longtask', buffered: true });
    });

    // First load of the county wall: every script it fetched until live.
    const page = await context.newPage();
    const scripts = new Set<string>();
    page.on('response', (r) => {
      const url = new URL(r.url());
      if (url.pathname.endsWith('.js')) scripts.add(url.pathname);
    });
    await page.goto(`${ctl.httpUrl}/#/`);
    await page.locator('[data-connection="live"]').waitFor({ timeout: 30_000 });
    await page.locator('[data-compound]').first().waitFor();
    await page.waitForLoadState('networkidle');
    const wallScripts = [...scripts].sort();
    const wallGzip = wallScripts.reduce((n, p) => n + gzipBytes(join(DIST, p)), 0);
    const html = readFileSync(join(DIST, 'index.html'), 'utf8');
    const entry = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
    const entryGzip = entry.reduce((n, p) => n + gzipBytes(join(DIST, p)), 0);

    // The compound page with its previews.
    await page.goto(`${ctl.httpUrl}/#/compound/${COMPOUND}`);
    await page.locator(`[data-compound-detail="${COMPOUND}"]`).waitFor();
    await page.locator('canvas[data-running="true"]').nth(GROUPS_PER_COMPOUND - 1).waitFor({ timeout: 30_000 });
    const previewChunkGzip = [...scripts].filter((p) => p.includes('scenePreviewCanvas')).reduce((n, p) => n + gzipBytes(join(DIST, p)), 0);

    const measure = async () =>
      page.evaluate(async (ms) => {
        const w = window as unknown as { benchMessages: number; benchLong: number[]; caidengPreviewLoad?: { ticks: number; busyMs: number } };
        const load0 = { ...(w.caidengPreviewLoad ?? { ticks: 0, busyMs: 0 }) };
        const longBefore = w.benchLong.length;
        const msgBefore = w.benchMessages;
        const intervals: number[] = [];
        const running = document.querySelectorAll('canvas[data-running="true"]').length;
        await new Promise<void>((resolve) => {
          let last = performance.now();
          const end = last + ms;
          const frame = (t: number) => {
            intervals.push(t - last);
            last = t;
            if (t < end) requestAnimationFrame(frame);
            else resolve();
          };
          requestAnimationFrame((t) => {
            last = t;
            requestAnimationFrame(frame);
          });
        });
        const load1 = w.caidengPreviewLoad ?? { ticks: 0, busyMs: 0 };
        const ticks = load1.ticks - load0.ticks;
        return { intervals, long: w.benchLong.slice(longBefore), messages: w.benchMessages - msgBefore, running, ticks, busyMs: load1.busyMs - load0.busyMs };
      }, MEASURE_MS);

    const on = await measure();
    await page.emulateMedia({ reducedMotion: 'reduce' });
    await page.waitForFunction(() => document.querySelectorAll('canvas[data-running="true"]').length === 0);
    const off = await measure();

    const row = (r: Awaited<ReturnType<typeof measure>>) => ({
      previewsAnimating: r.running,
      frames: r.intervals.length,
      p50FrameMs: Number(([...r.intervals].sort((a, b) => a - b)[Math.floor(r.intervals.length / 2)] ?? 0).toFixed(1)),
      p95FrameMs: Number(p95(r.intervals).toFixed(1)),
      maxFrameMs: Number(Math.max(...r.intervals).toFixed(1)),
      longTasksOver50ms: r.long.filter((d) => d > 50).length,
      longestTaskMs: r.long.length ? Number(Math.max(...r.long).toFixed(0)) : 0,
      previewTicks: r.ticks,
      previewScriptMsPerTick: r.ticks ? Number((r.busyMs / r.ticks).toFixed(2)) : 0,
      socketMessagesPerSecond: Number((r.messages / (MEASURE_MS / 1000)).toFixed(1)),
    });
    const result = {
      date: new Date().toISOString(),
      feed: `real controller + simulated fleet over MQTT: ${compounds.length} compounds × ${GROUPS_PER_COMPOUND} groups = ${groups} groups, telemetry at 1 Hz, all playing sky-full-of-stars; page signed in as admin (whole county on its socket)`,
      page: `#/compound/${COMPOUND} (${GROUPS_PER_COMPOUND} previews), 1280×2400, headless Chromium`,
      measureMs: MEASURE_MS,
      firstLoad: { wallScripts, wallGzipBytes: wallGzip, entryScripts: entry, entryGzipBytes: entryGzip, previewChunkGzipBytes: previewChunkGzip },
      previewsOn: row(on),
      previewsOff: row(off),
    };
    mkdirSync(dirname(OUT), { recursive: true });
    writeFileSync(OUT, `${JSON.stringify(result, null, 2)}\n`);
    console.log(JSON.stringify(result));
    const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;
    console.log(`\nFirst load of the county wall: ${kb(wallGzip)} gzipped JS (${wallScripts.length} files); entry ${kb(entryGzip)}; preview chunk ${kb(previewChunkGzip)} (loaded on the compound page)`);
    console.log(`Feed: ${result.feed}\nPage: ${result.page}, ${MEASURE_MS / 1000} s per phase\n`);
    console.table({ 'previews on': result.previewsOn, 'previews off': result.previewsOff });
    console.log(`JSON: ${OUT}`);
  } finally {
    await browser.close();
    await fleet.stop();
    await ctl.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
