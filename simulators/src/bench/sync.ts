/**
 * `npm run bench:sync -- [--runs 3] [--rate 5000] [--lead-ms 1000]`: start skew of a show scheduled on the
 * whole demo county at once.
 *
 * A real controller (its built entry point, a child process) with the demo registry (22 compounds, 263 lantern
 * groups), the simulated county in another process (each group its own MQTT connection, clock kept with
 * time.sync), and in each run two shows: one while the groups send `--rate` telemetry messages per second in
 * the background, and the same show without it (the baseline), in alternating order. Each show is one command
 * per compound through the HTTP API, all with the same `startAt` (now + lead). The skew of each group is read
 * back from GET /api/sync (startedAt as reported − startAt) and, since every process here shares one clock, also
 * measured directly (the real time of the first frame − startAt). Prints the JSON on stdout and a table on stderr.
 */
import { spawn, fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { SyncReport } from '@caideng/protocol';
import type { StartRecord, SyncCountyRequest } from './syncCounty.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const REGISTRY = join(ROOT, 'controller/config/rong-county.json');
const TARGET = { p99Ms: 20, maxMs: 50 };
/** Background load runs this long before the show is sent, so the show lands in a steady state. */
const WARM_MS = 3000;
const log = (msg: string) => process.stderr.write(`[bench:sync] ${msg}\n`);

interface Distribution {
  n: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
}

interface ShowResult {
  phase: 'loaded' | 'baseline';
  startAt: number;
  groups: number;
  /** Groups that reported their start to the controller (GET /api/sync). */
  reported: number;
  /** Skew as the controller reports it (|startedAt − startAt|, ms). */
  reportedSkew: Distribution;
  /** Skew by the shared real clock (|first frame − startAt|, ms): timer accuracy without the clock estimate. */
  trueSkew: Distribution;
  /** |reported − true| per group: the error of the groups' time.sync offsets, ms. */
  offsetError: Distribution;
  /** The groups' clock estimates at the start: |offset| to the controller (true offset 0 here) and the round trip it came from. */
  clock: { offsetP50: number | null; offsetMax: number | null; rttP50: number | null; rttMax: number | null };
  /** The smallest lead a command had (startAt − its arrival), ms; negative: it arrived late. */
  minLeadMs: number;
  /** 22 HTTP commands sent, ms until the last was answered. */
  dispatchMs: number;
  telemetry?: { sent: number; ratePerS: number; storedPerS: number | null; countyLoopDelayP99Ms: number };
}

function percentile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

function distribution(values: readonly number[]): Distribution {
  const abs = values.map(Math.abs).sort((a, b) => a - b);
  const r = (x: number | null) => (x === null ? null : Math.round(x * 10) / 10);
  return { n: abs.length, p50: r(percentile(abs, 0.5)), p99: r(percentile(abs, 0.99)), max: r(abs.at(-1) ?? null) };
}

function median(values: Array<number | null>): number | null {
  const v = values.filter((x): x is number => x !== null).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

/** The controller as a child process; resolves with its URLs once it serves. */
async function startController(dir: string): Promise<{ child: ChildProcess; httpUrl: string; mqttUrl: string }> {
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({
      dataDir: join(dir, 'data'),
      registryFile: REGISTRY,
      // The benchmark is the operator: its commands are the load, not abuse.
      http: { host: '127.0.0.1', port: 0, rateLimitMax: 1_000_000, rateLimitMutatingMax: 1_000_000 },
      mqtt: { host: '127.0.0.1', port: 0 },
      log: { level: 'warn' },
    }),
  );
  const child = spawn(process.execPath, [join(ROOT, 'controller/dist/main.js'), '--config', join(dir, 'config.json')], { stdio: ['ignore', 'pipe', 'pipe'] });
  process.once('exit', () => child.kill('SIGKILL'));
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4096)));
  return new Promise((resolve, reject) => {
    let out = '';
    let done = false;
    const timer = setTimeout(() => fail(new Error(`the controller did not start: ${out}${err}`)), 120_000);
    const fail = (e: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(e);
    };
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (done) return; // keep reading: an unread pipe would block the controller's logger
      out += `${line}\n`;
      const http = /Dashboard[^:]*:\s+(http:\/\/[0-9.:]+)\//.exec(out);
      const mqtt = /MQTT:\s+(mqtt:\/\/[0-9.:]+)/.exec(out);
      if (http && mqtt) {
        done = true;
        clearTimeout(timer);
        resolve({ child, httpUrl: http[1]!, mqttUrl: mqtt[1]! });
      }
    });
    child.once('exit', (code) => fail(new Error(`the controller exited (${code}): ${err.trim()}`)));
  });
}

/** The county process and its request/answer calls. */
function forkCounty(): { call<T>(req: SyncCountyRequest): Promise<T>; child: ChildProcess } {
  const child = fork(fileURLToPath(new URL('./syncCounty.js', import.meta.url)), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  process.once('exit', () => child.kill('SIGKILL'));
  let seq = 0;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  child.on('message', (m: { id: number; ok: boolean; result?: unknown; error?: string }) => {
    const w = waiting.get(m.id);
    if (!w) return;
    waiting.delete(m.id);
    if (m.ok) w.resolve(m.result);
    else w.reject(new Error(`county: ${m.error}`));
  });
  child.once('exit', (code) => {
    for (const w of waiting.values()) w.reject(new Error(`county process exited (${code})`));
  });
  return {
    child,
    call: <T>(req: SyncCountyRequest) =>
      new Promise<T>((resolve, reject) => {
        const id = ++seq;
        waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ id, req });
      }),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { runs: { type: 'string', default: '3' }, rate: { type: 'string', default: '5000' }, 'lead-ms': { type: 'string', default: '1000' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write('Usage: npm run bench:sync -- [--runs 3] [--rate 5000] [--lead-ms 1000]\n');
    return;
  }
  const runs = Math.max(1, Number(values.runs));
  const rate = Math.max(0, Number(values.rate));
  const leadMs = Math.max(100, Number(values['lead-ms']));

  const dir = mkdtempSync(join(tmpdir(), 'caideng-bench-sync-'));
  let controller: Awaited<ReturnType<typeof startController>> | null = null;
  let county: ReturnType<typeof forkCounty> | null = null;
  try {
    log('starting the controller with the demo registry');
    controller = await startController(dir);
    const provisioning = JSON.parse(readFileSync(join(dir, 'data', 'credentials.json'), 'utf8')) as { operator: { token: string } };
    const token = provisioning.operator.token;
    const api = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
      const res = await fetch(`${controller!.httpUrl}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
      if (!res.ok) throw new Error(`${path}: ${res.status} ${(await res.text()).slice(0, 300)}`);
      return (await res.json()) as T;
    };
    const county$ = forkCounty();
    county = county$;
    const { groups } = await county$.call<{ groups: number }>({ op: 'start', credentials: join(dir, 'data', 'credentials.json'), url: controller.mqttUrl });
    const compounds = (await api<Array<{ id: string }>>('/api/compounds')).map((c) => c.id);
    log(`${compounds.length} compounds, ${groups} groups connected and clock-synced`);

    const stored = async () => (await api<{ telemetry?: { stored?: number } }>('/api/metrics')).telemetry?.stored ?? null;
    const show = async (phase: ShowResult['phase']): Promise<ShowResult> => {
      let telemetry: ShowResult['telemetry'];
      let stored0: number | null = null;
      let t0 = 0;
      if (phase === 'loaded') {
        stored0 = await stored();
        t0 = Date.now();
        await county$.call({ op: 'load', ratePerS: rate });
        await new Promise((r) => setTimeout(r, WARM_MS));
      }
      const startAt = Date.now() + leadMs;
      const sentAt = performance.now();
      const ids = await Promise.all(
        compounds.map(async (c) => {
          const record = await api<{ id: string }>(`/api/compounds/${c}/commands`, {
            method: 'POST',
            body: JSON.stringify({ power: 'on', brightness: 200, scene: { name: 'lotus', seed: startAt % 1000 }, startAt }),
          });
          return record.id;
        }),
      );
      const dispatchMs = Math.round(performance.now() - sentAt);
      const starts = await county$.call<StartRecord[]>({ op: 'starts', tx: ids, count: groups, timeoutMs: leadMs + 15_000 });
      // The reports reach the controller a moment after the starts: wait for every one (or a bound).
      let report: SyncReport;
      const until = Date.now() + 10_000;
      const mine = new Set(ids);
      for (;;) {
        report = await api<SyncReport>('/api/sync');
        const reported = report.groups.filter((g) => mine.has(g.commandId)).length;
        if (reported >= starts.length || Date.now() > until) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      if (phase === 'loaded') {
        const stop = await county$.call<{ sent: number; loopDelayP99Ms: number }>({ op: 'loadStop' });
        const seconds = (Date.now() - t0) / 1000;
        const stored1 = await stored();
        telemetry = {
          sent: stop.sent,
          ratePerS: Math.round(stop.sent / seconds),
          storedPerS: stored0 !== null && stored1 !== null ? Math.round((stored1 - stored0) / seconds) : null,
          countyLoopDelayP99Ms: Math.round(stop.loopDelayP99Ms * 10) / 10,
        };
      }
      const reportedSkews = report.groups.filter((g) => mine.has(g.commandId)).map((g) => g.skewMs);
      const byUser = new Map(report.groups.filter((g) => mine.has(g.commandId)).map((g) => [`${g.compound}/group/${g.group}`, g.skewMs]));
      return {
        phase,
        startAt,
        groups,
        reported: reportedSkews.length,
        reportedSkew: distribution(reportedSkews),
        trueSkew: distribution(starts.map((s) => s.realAt - s.startAt)),
        offsetError: distribution(starts.flatMap((s) => (byUser.has(s.username) ? [byUser.get(s.username)! - (s.realAt - s.startAt)] : []))),
        clock: (() => {
          const off = distribution(starts.map((s) => s.offsetMs));
          const rtt = distribution(starts.flatMap((s) => (s.rttMs === null ? [] : [s.rttMs])));
          return { offsetP50: off.p50, offsetMax: off.max, rttP50: rtt.p50, rttMax: rtt.max };
        })(),
        minLeadMs: Math.min(...starts.map((s) => s.startAt - s.receivedAt)),
        dispatchMs,
        ...(telemetry ? { telemetry } : {}),
      };
    };

    // One show first, not counted: the controller's first commands pay for cold code paths and caches.
    const warm = await show('baseline');
    log(`warm-up show: reported max ${warm.reportedSkew.max} ms, lead ${warm.minLeadMs} ms (not counted)`);
    const results: Array<{ run: number; loaded: ShowResult; baseline: ShowResult }> = [];
    for (let run = 1; run <= runs; run++) {
      const order: Array<ShowResult['phase']> = run % 2 === 1 ? ['baseline', 'loaded'] : ['loaded', 'baseline'];
      const got: Partial<Record<ShowResult['phase'], ShowResult>> = {};
      for (const phase of order) {
        got[phase] = await show(phase);
        const r = got[phase]!;
        log(`run ${run} ${phase}: reported p50 ${r.reportedSkew.p50} p99 ${r.reportedSkew.p99} max ${r.reportedSkew.max} ms (${r.reported}/${r.groups}); true p99 ${r.trueSkew.p99} max ${r.trueSkew.max} ms`);
      }
      results.push({ run, loaded: got.loaded!, baseline: got.baseline! });
    }

    const med = (phase: ShowResult['phase'], pick: (r: ShowResult) => number | null) => median(results.map((r) => pick(r[phase])));
    const summary = {
      loaded: {
        p50: med('loaded', (r) => r.reportedSkew.p50),
        p99: med('loaded', (r) => r.reportedSkew.p99),
        max: med('loaded', (r) => r.reportedSkew.max),
        trueP99: med('loaded', (r) => r.trueSkew.p99),
        trueMax: med('loaded', (r) => r.trueSkew.max),
      },
      baseline: {
        p50: med('baseline', (r) => r.reportedSkew.p50),
        p99: med('baseline', (r) => r.reportedSkew.p99),
        max: med('baseline', (r) => r.reportedSkew.max),
        trueP99: med('baseline', (r) => r.trueSkew.p99),
        trueMax: med('baseline', (r) => r.trueSkew.max),
      },
    };
    const ratio = (a: number | null, b: number | null) => (a !== null && b !== null && b > 0 ? Math.round((a / b) * 100) / 100 : null);
    const worstMax = Math.max(...results.map((r) => r.loaded.reportedSkew.max ?? Infinity));
    const out = {
      bench: 'sync',
      machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
      setup: { compounds: compounds.length, groups, runs, backgroundTelemetryPerS: rate, leadMs },
      target: TARGET,
      runs: results,
      median: summary,
      baselineRatio: { p99: ratio(summary.loaded.p99, summary.baseline.p99), max: ratio(summary.loaded.max, summary.baseline.max) },
      pass: {
        p99: summary.loaded.p99 !== null && summary.loaded.p99 < TARGET.p99Ms,
        max: summary.loaded.max !== null && summary.loaded.max < TARGET.maxMs,
        everyRunMax: worstMax < TARGET.maxMs,
        everyGroupReported: results.every((r) => r.loaded.reported === groups && r.baseline.reported === groups),
      },
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);

    const row = (cells: Array<string | number | null>) => cells.map((c, i) => String(c ?? '—').padStart(i === 0 ? 14 : 9)).join(' ');
    const lines = [row(['show', 'p50', 'p99', 'max', 'true p99', 'true max', 'reported', 'lead ms', 'telem/s', 'rtt p50'])];
    for (const r of results) {
      for (const s of [r.baseline, r.loaded]) {
        lines.push(
          row([`run ${r.run} ${s.phase}`, s.reportedSkew.p50, s.reportedSkew.p99, s.reportedSkew.max, s.trueSkew.p99, s.trueSkew.max, `${s.reported}/${s.groups}`, s.minLeadMs, s.telemetry?.storedPerS ?? null, s.clock.rttP50]),
        );
      }
    }
    lines.push(row(['median base', summary.baseline.p50, summary.baseline.p99, summary.baseline.max, summary.baseline.trueP99, summary.baseline.trueMax, '', '', '']));
    lines.push(row(['median loaded', summary.loaded.p50, summary.loaded.p99, summary.loaded.max, summary.loaded.trueP99, summary.loaded.trueMax, '', '', '']));
    lines.push(`start skew, ms (|startedAt − startAt| as /api/sync reports it; "true": by the shared real clock). Target: p99 < ${TARGET.p99Ms}, max < ${TARGET.maxMs}.`);
    lines.push(`loaded / baseline: p99 ×${out.baselineRatio.p99 ?? '—'}, max ×${out.baselineRatio.max ?? '—'}; pass: p99 ${out.pass.p99}, max ${out.pass.max}`);
    process.stderr.write(`${lines.join('\n')}\n`);
  } finally {
    await county?.call({ op: 'stop' }).catch(() => undefined);
    county?.child.disconnect();
    if (controller) {
      const c = controller.child;
      await new Promise<void>((resolve) => {
        if (c.exitCode !== null) return resolve();
        c.once('exit', () => resolve());
        c.kill('SIGTERM');
        setTimeout(() => c.kill('SIGKILL'), 10_000).unref();
      });
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  log(`failed: ${err instanceof Error ? err.stack : String(err)}`);
  process.exitCode = 1;
});
