/**
 * The controller survives a store error in every background job and recovers once the store works again:
 * telemetry flush, telemetry prune, device-state flush, rejections flush and prune, the deadline timer and
 * the WAL checkpointer. The failure is real: the tables are renamed away in a transaction (every statement
 * on them fails with "no such table"), and the checkpointer's worker is terminated. And the controller
 * process logs and counts an unhandled rejection and keeps running, and stops cleanly on an uncaught
 * exception.
 */
import { once } from 'node:events';
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { sql } from 'kysely';
import { topic } from '@caideng/protocol';
import { startController, readProvisioning, type ControllerHandle } from '@caideng/controller';
import { storeHealth } from '../src/store/db.js';
import { SMALL_COUNTY, connect, endClient, publish, tempDir, apiFetch, operatorTokenOf } from './helpers.js';
import { LogWatch, bringBack, takeAway } from './storeFaults.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const OLD = Date.now() - 10 * 86_400_000;

async function count(ctl: ControllerHandle, table: string, where = ''): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM ${sql.raw(table)} ${sql.raw(where)}`.execute(ctl.db);
  return Number(rows[0]!.n);
}

describe('background jobs', () => {
  it('survive a store outage and catch up once the store is back', async () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    const watch = new LogWatch('info');
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const ctl = await startController(
      {
        dataDir,
        registryFile: SMALL_COUNTY,
        http: { host: '127.0.0.1', port: 0 },
        mqtt: { host: '127.0.0.1', port: 0 },
        storage: { telemetryFlushMs: 50, pruneIntervalMs: 1000, telemetryRetentionDays: 1, rejectionRetentionDays: 1 },
        deadlines: { retryBaseMs: 50 },
      },
      { logger: watch.log },
    );
    const g01 = { compound: 'alpha', role: 'group' as const, device: 'g01' };
    const password = readProvisioning(dataDir)!.devices.find((d) => d.username === 'alpha/group/g01')!.password;
    const group = await connect(ctl.mqttUrl, { username: 'alpha/group/g01', password, clientId: 'alpha/group/g01' });
    try {
      // Scheduled while the store works; its handler is registered during the outage, so the timer's
      // first look at the store fails.
      await ctl.deadlines.schedule({ kind: 'test.outage', key: 'outage/1', dueAt: Date.now(), payload: { n: 1 } });
      const stored = new Promise<void>((resolve) => {
        let rows = 0;
        ctl.bus.on('telemetry.batch', {}, (b) => {
          rows += b.rows.length;
          if (rows >= 5) resolve();
        });
      });

      // --- the outage ---
      await takeAway(ctl.db, 'telemetry', 'device_status', 'rejections', 'deadlines');
      // Rows past their retention, to be pruned once the tables are back.
      await sql`INSERT INTO telemetry_away (compound_id, group_id, ts, received_at, watts) VALUES ('alpha', 'g01', ${OLD}, ${OLD}, 1)`.execute(ctl.db);
      await sql`INSERT INTO rejections_away (id, ts, username, topic, code, reason) VALUES ('old-1', ${OLD}, NULL, 't', 'X', 'old')`.execute(ctl.db);
      const fired = new Promise<unknown>((resolve) => ctl.deadlines.handle('test.outage', (d) => resolve(d.payload)));
      const checkpointer = storeHealth(ctl.db).checkpointer!;
      const restarted = once(checkpointer, 'restart');
      await checkpointer.worker!.terminate();

      for (let i = 0; i < 5; i++) await publish(group, topic(g01, 'telemetry'), { v: 1, ts: Date.now(), watts: 100 + i, faults: [], uptimeS: i });
      await publish(group, topic(g01, 'state'), { v: 1, ts: Date.now(), power: 'on', brightness: 55, scene: null }, { retain: true });
      await publish(group, topic(g01, 'telemetry'), { v: 1, watts: 'lots' }); // rejected, and stored as a rejection

      await Promise.all([
        watch.waitFor('could not store telemetry'),
        watch.waitFor('could not prune telemetry'),
        watch.waitFor('could not persist device state'),
        watch.waitFor('could not store rejections'),
        watch.waitFor('could not prune rejections'),
        watch.waitFor('deadline timer could not use the store'),
        watch.waitFor('WAL checkpointer stopped; restarting it'),
      ]);
      const health = await apiFetch(ctl, `/api/health`);
      expect(health.status).toBe(200);
      expect(((await health.json()) as { status: string }).status).toBe('ok');

      // --- the store is back ---
      await bringBack(ctl.db, 'telemetry', 'device_status', 'rejections', 'deadlines');
      expect(await fired).toEqual({ n: 1 });
      await stored;
      await restarted;
      await once(checkpointer, 'checkpoint');
      await Promise.all([watch.waitFor('pruned old telemetry'), watch.waitFor('pruned old rejections')]);
      await vi.waitFor(
        async () => {
          const row = await ctl.db.selectFrom('device_status').select('state_json').where('username', '=', 'alpha/group/g01').executeTakeFirst();
          expect(JSON.parse(row?.state_json ?? 'null')).toMatchObject({ brightness: 55 });
          expect(await count(ctl, 'rejections', "WHERE reason <> 'old'")).toBe(1);
        },
        { timeout: 15_000, interval: 100 },
      );
      expect(await count(ctl, 'telemetry')).toBe(5);
      expect(await count(ctl, 'rejections', "WHERE reason = 'old'")).toBe(0);
      expect(await ctl.deadlines.get('outage/1')).toMatchObject({ status: 'fired', attempts: 1 });

      const metrics = (await (await apiFetch(ctl, `/api/metrics`)).json()) as Record<string, Record<string, number | string>>;
      expect(metrics.telemetry).toMatchObject({ stored: 5, dropped: 0, pruned: 1 });
      expect(metrics.telemetry!.flushFailures).toBeGreaterThanOrEqual(1);
      expect(metrics.telemetry!.pruneFailures).toBeGreaterThanOrEqual(1);
      expect(metrics.rejections).toMatchObject({ stored: 1, dropped: 0, pruned: 1 });
      expect(metrics.rejections!.flushFailures).toBeGreaterThanOrEqual(1);
      expect(metrics.rejections!.pruneFailures).toBeGreaterThanOrEqual(1);
      expect(metrics.deadlines).toMatchObject({ fired: 1, failed: 0 });
      expect(metrics.deadlines!.timerFailures).toBeGreaterThanOrEqual(1);
      expect(metrics.store).toMatchObject({ checkpointerRestarts: 1, checkpointMode: 'worker' });
      expect(metrics.process).toMatchObject({ unhandledRejections: 0, uncaughtExceptions: 0 });
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await endClient(group);
      await ctl.stop();
    }
  });
});

describe('the controller process', () => {
  it('logs and counts an unhandled rejection and keeps serving; stops cleanly and exits 1 on an uncaught exception', async () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    const preload = new URL('./fixtures/inject-faults.mjs', import.meta.url).href;
    const child = spawn(process.execPath, ['--import', preload, 'controller/dist/main.js', '--data-dir', dataDir, '--http-port', '0', '--mqtt-port', '0'], {
      cwd: root,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    const waitForOutput = (re: RegExp) =>
      new Promise<RegExpExecArray>((resolve, reject) => {
        const check = () => {
          const m = re.exec(out);
          if (m) {
            child.stdout!.off('data', check);
            child.off('exit', onExit);
            resolve(m);
          }
        };
        const onExit = (code: number | null) => reject(new Error(`controller exited (${code}) before ${re}: ${out}`));
        child.stdout!.on('data', check);
        child.once('exit', onExit);
        check();
      });
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const [, httpUrl] = await waitForOutput(/Dashboard[^:]*:\s+(http:\/\/[0-9.:]+)\//);
      child.stdin!.write('reject\n');
      await waitForOutput(/unhandled promise rejection/);
      const metrics = (await (await fetch(`${httpUrl}/api/metrics`, { headers: { authorization: `Bearer ${operatorTokenOf(dataDir)}` } })).json()) as {
        process: Record<string, number>;
      };
      expect(metrics.process).toMatchObject({ unhandledRejections: 1, uncaughtExceptions: 0 });
      expect((await fetch(`${httpUrl}/api/health`)).status).toBe(200);
      const rejection = out.split('\n').find((l) => l.includes('unhandled promise rejection'))!;
      expect(JSON.parse(rejection)).toMatchObject({ level: 50, err: { message: 'injected rejection' } });

      const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
      child.stdin!.write('throw\n');
      const [code] = await exited;
      expect(code).toBe(1);
      const fatal = out.split('\n').find((l) => l.includes('uncaught exception'))!;
      expect(JSON.parse(fatal)).toMatchObject({ level: 60, err: { message: 'injected exception' } });
      // A clean stop closed the database: SQLite removes the WAL file when the last connection closes.
      expect(existsSync(join(dataDir, 'caideng.sqlite-wal'))).toBe(false);
    } finally {
      if (child.exitCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
    }
  });
});
