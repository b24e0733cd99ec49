/**
 * The telemetry writer thread (store/batchWriter.ts) and the main connection beside it: a thread that dies
 * is replaced and its rows are stored once, in order, whether it died before or after a commit; a thread
 * that cannot start is given up for main-thread writes; ':memory:' writes in the main thread; main-thread
 * transactions take the write lock up front (BEGIN IMMEDIATE), and the shared write lock keeps the two
 * connections' writes apart with the main thread first.
 */
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { DeviceAddress, GroupTelemetry } from '@caideng/protocol';
import { TelemetryStore } from '../src/features/telemetry/telemetry.js';
import { storeHealth } from '../src/store/db.js';
import { WORKER_LOCK_SOURCE, WriteLock } from '../src/store/writeLock.js';
import { openTestContext, type TestContext } from './storeFaults.js';

const DYING_DRIVER = fileURLToPath(new URL('./fixtures/dying-sqlite.cjs', import.meta.url));
const SQLITE_DRIVER = createRequire(import.meta.url).resolve('better-sqlite3');
const g01: DeviceAddress = { compound: 'alpha', role: 'group', device: 'g01' };

function emitReadings(c: TestContext, first: number, n: number): void {
  for (let i = 0; i < n; i++) {
    const telemetry: GroupTelemetry = { v: 1, ts: first + i, watts: 10, faults: [], uptimeS: 1 };
    c.bus.emit('group.telemetry', { address: g01, telemetry, receivedAt: Date.now() });
  }
}

async function storedTs(c: TestContext): Promise<number[]> {
  const { rows } = await sql<{ ts: number }>`SELECT ts FROM telemetry ORDER BY rowid`.execute(c.db);
  return rows.map((r) => Number(r.ts));
}

async function mainThreadChanges(c: TestContext): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT total_changes() AS n`.execute(c.db);
  return Number(rows[0]!.n);
}

function storedRows(c: TestContext, n: number): Promise<void> {
  let seen = 0;
  const owner = {};
  return new Promise((resolve) => {
    c.bus.on('telemetry.batch', owner, ({ rows }) => {
      seen += rows.length;
      if (seen >= n) {
        c.bus.removeOwner(owner);
        resolve();
      }
    });
  });
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

let ctx: TestContext | undefined;
let telemetry: TelemetryStore | undefined;
afterEach(async () => {
  delete process.env.CAIDENG_TEST_DIE;
  await telemetry?.stop();
  await ctx?.dispose();
  telemetry = undefined;
  ctx = undefined;
});

describe('telemetry writer thread', () => {
  // 250 rows: three transactions (100, 100, 50) of one batch.
  it.each(['before', 'after'] as const)('a thread that dies %s its second commit is replaced; every row is stored once, in order', async (when) => {
    ctx = await openTestContext({ storage: { telemetryFlushMs: 20 } });
    const flag = join(ctx.dataDir, 'die');
    writeFileSync(flag, `${when} 2`);
    process.env.CAIDENG_TEST_DIE = flag;
    telemetry = new TelemetryStore(ctx, { driver: DYING_DRIVER });
    await telemetry.start();
    const stored = storedRows(ctx, 250);
    emitReadings(ctx, 0, 250);
    await stored;
    expect(await storedTs(ctx)).toEqual(range(250));
    expect(telemetry.counters).toMatchObject({ stored: 250, dropped: 0, flushFailures: 1, writerRestarts: 1, writerMode: 'worker' });
    expect(ctx.watch.count('a new one takes the next write')).toBe(1);
    // The next thread found what the dead one had committed (one transaction, or two) and did not write it again.
    const skipped = ctx.watch.lines.filter((l) => l.msg.includes('not stored again'));
    expect(skipped.map((l) => l.rows)).toEqual([when === 'after' ? 200 : 100]);
  });

  it('a thread that cannot start is given up for writes in the main thread, and nothing is lost', async () => {
    ctx = await openTestContext({ storage: { telemetryFlushMs: 20 } });
    telemetry = new TelemetryStore(ctx, { driver: '/nonexistent/sqlite-driver.cjs', maxWorkerDeaths: 3 });
    await telemetry.start();
    const before = await mainThreadChanges(ctx);
    const stored = storedRows(ctx, 250);
    emitReadings(ctx, 0, 250);
    await stored;
    expect(await storedTs(ctx)).toEqual(range(250));
    expect(telemetry.counters).toMatchObject({ stored: 250, flushFailures: 3, writerRestarts: 2, writerMode: 'in-thread' });
    expect((await mainThreadChanges(ctx)) - before).toBe(250);
    expect(ctx.watch.count('writing in the main thread from now on')).toBe(1);
  });

  it("writes in the main thread when the database is ':memory:'", async () => {
    ctx = await openTestContext({ storage: { telemetryFlushMs: 20 } }, { db: { file: ':memory:' } });
    telemetry = new TelemetryStore(ctx);
    await telemetry.start();
    const stored = storedRows(ctx, 150);
    emitReadings(ctx, 0, 150);
    await stored;
    expect(await storedTs(ctx)).toEqual(range(150));
    expect(telemetry.counters.writerMode).toBe('in-thread');
    expect(telemetry.writerThread).toBeNull();
  });

  it('stops its thread at stop, after the last rows are stored', async () => {
    ctx = await openTestContext({ storage: { telemetryFlushMs: 60_000 } });
    telemetry = new TelemetryStore(ctx);
    await telemetry.start();
    emitReadings(ctx, 0, 10);
    await telemetry.flush();
    const thread = telemetry.writerThread!;
    const exited = once(thread, 'exit');
    emitReadings(ctx, 10, 5);
    await telemetry.stop();
    expect(await exited).toEqual([0]);
    expect(await storedTs(ctx)).toEqual(range(15));
    telemetry = undefined;
  });
});

describe('the main connection beside the writer thread', () => {
  it('begins transactions IMMEDIATE: a read-then-write transaction is not failed by a commit of the other connection', async () => {
    ctx = await openTestContext();
    const file = storeHealth(ctx.db).file!;
    // Another connection, in another thread, that writes when told and says what happened.
    const other = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       const db = new (require(workerData.driver))(workerData.file);
       db.pragma('busy_timeout = 0');
       parentPort.on('message', () => {
         try {
           db.prepare("INSERT INTO telemetry (compound_id, group_id, ts, received_at, watts) VALUES ('alpha', 'g02', 1, 1, 1)").run();
           parentPort.postMessage('committed');
         } catch (e) {
           parentPort.postMessage(e.code);
         }
         db.close();
       });`,
      { eval: true, workerData: { driver: SQLITE_DRIVER, file } },
    );
    try {
      let otherSaw = '';
      await ctx.db.transaction().execute(async (trx) => {
        const earlier = await trx.selectFrom('telemetry').select('ts').where('group_id', '=', 'g01').execute();
        other.postMessage('write');
        [otherSaw] = (await once(other, 'message')) as [string];
        // A deferred transaction would fail here with SQLITE_BUSY: the other connection committed after our read.
        await trx.insertInto('telemetry').values({ compound_id: 'alpha', group_id: 'g01', ts: earlier.length, received_at: 1, watts: 1, temperature_c: null, energy_wh: null, faults_json: null }).execute();
      });
      // Our transaction held the write lock from its start: the other connection was refused, not us.
      expect(otherSaw).toBe('SQLITE_BUSY');
      expect(await storedTs(ctx)).toEqual([0]);
    } finally {
      await other.terminate();
    }
  });

  it('the write lock keeps the threads apart and lets a waiting main thread in before the writer goes on', async () => {
    const lock = new WriteLock();
    const shared = new Int32Array(new SharedArrayBuffer(8)); // [0]: writer inside the lock, [1]: writer holds done
    // A writer that takes the lock back to back, holding it 2 ms each time.
    const writer = new Worker(
      `const { workerData, parentPort } = require('node:worker_threads');
       ${WORKER_LOCK_SOURCE}
       const shared = new Int32Array(workerData.shared);
       parentPort.postMessage('started');
       for (;;) {
         lock();
         Atomics.store(shared, 0, 1);
         const end = Date.now() + 2;
         while (Date.now() < end);
         Atomics.store(shared, 0, 0);
         Atomics.add(shared, 1, 1);
         unlock();
       }`,
      { eval: true, workerData: { lock: lock.buffer, shared: shared.buffer } },
    );
    try {
      await once(writer, 'message');
      while (Atomics.load(shared, 1) < 3) await new Promise((r) => setImmediate(r));
      for (let i = 0; i < 20; i++) {
        const start = performance.now();
        expect(lock.acquire()).toBe(true);
        const waited = performance.now() - start;
        const holdsBefore = Atomics.load(shared, 1);
        // Inside: the writer is not, and does not get in while we hold it.
        expect(Atomics.load(shared, 0)).toBe(0);
        const end = performance.now() + 5;
        while (performance.now() < end);
        expect(Atomics.load(shared, 0)).toBe(0);
        expect(Atomics.load(shared, 1)).toBe(holdsBefore);
        lock.release();
        // One of the writer's holds at most (2 ms), with room for a busy machine; never its whole loop.
        expect(waited).toBeLessThan(100);
        await new Promise((r) => setImmediate(r));
      }
      expect(lock.counters.writeLockWaits).toBeGreaterThan(0);
    } finally {
      await writer.terminate();
    }
  });
});
