/**
 * The WAL checkpointer: counts its checkpoints, restarts a worker that dies, and when the worker keeps
 * failing gives up on it for SQLite's own checkpoint in the writer's thread, so the WAL stays bounded.
 */
import { once } from 'node:events';
import { rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { Checkpointer } from '../src/store/checkpointer.js';
import { storeHealth } from '../src/store/db.js';
import { LogWatch, openTestContext, type TestContext } from './storeFaults.js';
import { tempDir } from './helpers.js';

let ctx: TestContext | undefined;
afterEach(async () => {
  await ctx?.dispose();
  ctx = undefined;
});

async function autocheckpointPages(c: TestContext): Promise<number> {
  const { rows } = await sql<{ wal_autocheckpoint: number }>`PRAGMA wal_autocheckpoint`.execute(c.db);
  return Number(rows[0]!.wal_autocheckpoint);
}

/** Writes about `mb` MB in transactions of 500 rows of 1 KB. */
async function writeMegabytes(c: TestContext, mb: number): Promise<void> {
  const row = { compound_id: 'alpha', group_id: 'g01', ts: 1, received_at: 1, watts: 1, temperature_c: null, energy_wh: null, faults_json: 'x'.repeat(1000) };
  for (let i = 0; i < mb * 2; i++) {
    await c.db.transaction().execute(async (trx) => {
      for (let j = 0; j < 500; j += 100) await trx.insertInto('telemetry').values(Array.from({ length: 100 }, () => row)).execute();
    });
  }
}

describe('WAL checkpointer', () => {
  it('checkpoints in its worker and counts it; the automatic checkpoint stays off', async () => {
    ctx = await openTestContext({}, { db: { checkpointer: { intervalMs: 20 } } });
    const health = storeHealth(ctx.db);
    await writeMegabytes(ctx, 1);
    await once(health.checkpointer!, 'checkpoint');
    expect(health.counters()).toMatchObject({ checkpointMode: 'worker', checkpointFailures: 0, checkpointerRestarts: 0 });
    expect((health.counters() as { checkpoints: number }).checkpoints).toBeGreaterThanOrEqual(1);
    expect(await autocheckpointPages(ctx)).toBe(0);
  });

  it('restarts a worker that dies, and checkpoints again', async () => {
    ctx = await openTestContext({}, { db: { checkpointer: { intervalMs: 20 } } });
    const cp = storeHealth(ctx.db).checkpointer!;
    await once(cp, 'checkpoint');
    const restarted = once(cp, 'restart');
    await cp.worker!.terminate();
    await restarted;
    const before = cp.counters.checkpoints;
    await once(cp, 'checkpoint');
    expect(cp.counters.checkpoints).toBe(before + 1);
    expect(cp.counters).toMatchObject({ checkpointerRestarts: 1, checkpointMode: 'worker' });
    expect(ctx.watch.count('WAL checkpointer stopped; restarting it')).toBe(1);
    expect(await autocheckpointPages(ctx)).toBe(0);
  });

  it('falls back to in-thread checkpoints when the worker cannot start, and the WAL stays bounded', async () => {
    ctx = await openTestContext({}, { db: { checkpointer: { intervalMs: 10, driver: '/nonexistent/sqlite-driver.js' } } });
    const cp = storeHealth(ctx.db).checkpointer!;
    await once(cp, 'fallback');
    expect(cp.counters).toMatchObject({ checkpointerRestarts: 3, checkpointMode: 'in-thread', checkpoints: 0 });
    expect(cp.counters.checkpointFailures).toBeGreaterThanOrEqual(4);
    expect(ctx.watch.count('keeps failing')).toBe(1);
    expect(await autocheckpointPages(ctx)).toBe(1000);
    // 20 MB written: with no checkpoint at all the WAL would hold all of it.
    await writeMegabytes(ctx, 20);
    expect(statSync(join(ctx.dataDir, 'caideng.sqlite-wal')).size).toBeLessThan(8 * 1024 * 1024);
  });

  it('restarts a worker whose checkpoints keep failing, then falls back', async () => {
    const dir = tempDir('caideng-ckpt-');
    const bad = join(dir, 'not-a-database.sqlite');
    writeFileSync(bad, 'this is not a database file, it only has the name of one. '.repeat(100));
    const watch = new LogWatch();
    let fellBack = 0;
    const cp = new Checkpointer({ file: bad, log: watch.log, intervalMs: 10, onFallback: () => fellBack++ });
    try {
      const failure = once(cp, 'failure');
      const [err] = (await failure) as [Error];
      expect(err.message).toMatch(/not a database/);
      await once(cp, 'fallback');
      expect(fellBack).toBe(1);
      // Three failures in a row restart the worker; three restarts without a checkpoint give it up.
      expect(cp.counters).toMatchObject({ checkpointerRestarts: 3, checkpointMode: 'in-thread', checkpointFailures: 12, checkpoints: 0 });
      expect(watch.count('WAL checkpoint failed')).toBe(12);
    } finally {
      await cp.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
