/**
 * Telemetry storage: one flush at a time, a bounded buffer that drops its oldest rows (counted) when the
 * store stays away, retries with backoff that keep every unstored row in order, and a prune in chunks
 * that lets the event loop turn and never runs twice at once. The buffer's behaviour is the same whether
 * the rows are written by the writer thread (the default) or in the main thread.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sql } from 'kysely';
import type { DeviceAddress, GroupTelemetry } from '@caideng/protocol';
import { TelemetryStore } from '../src/features/telemetry/telemetry.js';
import { bringBack, openTestContext, takeAway, type TestContext } from './storeFaults.js';

const g01: DeviceAddress = { compound: 'alpha', role: 'group', device: 'g01' };

function reading(ts: number): GroupTelemetry {
  return { v: 1, ts, watts: 10 + (ts % 7), faults: [], uptimeS: 1 };
}

/** Emits `n` readings with ts = first, first + 1, … as the broker would. */
function emitReadings(ctx: TestContext, first: number, n: number, receivedAt = Date.now()): void {
  for (let i = 0; i < n; i++) ctx.bus.emit('group.telemetry', { address: g01, telemetry: reading(first + i), receivedAt });
}

async function storedTs(ctx: TestContext): Promise<number[]> {
  // rowid order is insertion order: the check that rows went in the order they arrived.
  const { rows } = await sql<{ ts: number }>`SELECT ts FROM telemetry ORDER BY rowid`.execute(ctx.db);
  return rows.map((r) => Number(r.ts));
}

/** Resolves once `n` rows have been announced as stored on the bus. */
function storedRows(ctx: TestContext, n: number): Promise<void> {
  let seen = 0;
  const owner = {};
  return new Promise((resolve) => {
    ctx.bus.on('telemetry.batch', owner, ({ rows }) => {
      seen += rows.length;
      if (seen >= n) {
        ctx.bus.removeOwner(owner);
        resolve();
      }
    });
  });
}

let ctx: TestContext | undefined;
let telemetry: TelemetryStore | undefined;

afterEach(async () => {
  vi.useRealTimers();
  await telemetry?.stop();
  await ctx?.dispose();
  telemetry = undefined;
  ctx = undefined;
});

/** The connection's own row changes since it opened: rows written by another connection do not count. */
async function mainThreadChanges(c: TestContext): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT total_changes() AS n`.execute(c.db);
  return Number(rows[0]!.n);
}

describe.each(['worker', 'in-thread'] as const)('telemetry buffer (%s writer)', (writer) => {
  it('a full buffer brings one flush forward, not one per message', async () => {
    // The interval is a minute: only the early flush can store these rows within the test.
    ctx = await openTestContext({ storage: { telemetryFlushMs: 60_000, telemetryWriter: writer } });
    telemetry = new TelemetryStore(ctx);
    await telemetry.start();
    const changesBefore = await mainThreadChanges(ctx);
    const flush = vi.spyOn(telemetry, 'flush');
    const stored = storedRows(ctx, 3000);
    emitReadings(ctx, 0, 3000);
    await stored;
    expect(flush).toHaveBeenCalledTimes(1);
    expect(await storedTs(ctx)).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    expect(telemetry.counters).toMatchObject({ stored: 3000, dropped: 0, flushFailures: 0, writerMode: writer, writerRestarts: 0 });
    // The writer thread's connection wrote the rows; the main thread's wrote none of them.
    expect((await mainThreadChanges(ctx)) - changesBefore).toBe(writer === 'worker' ? 0 : 3000);
  });

  it('keeps every row, in order, when a write fails part-way, and retries by itself', async () => {
    ctx = await openTestContext({ storage: { telemetryFlushMs: 20, telemetryWriter: writer } });
    // The chunk holding reading 150 (the second of three) fails, as a full disk would, until the flag goes.
    await sql`CREATE TABLE fail_on (ts INTEGER)`.execute(ctx.db);
    await sql`INSERT INTO fail_on VALUES (150)`.execute(ctx.db);
    await sql`CREATE TRIGGER telemetry_fails BEFORE INSERT ON telemetry WHEN NEW.ts IN (SELECT ts FROM fail_on) BEGIN SELECT RAISE(ABORT, 'disk I/O error (injected)'); END`.execute(ctx.db);
    telemetry = new TelemetryStore(ctx);
    await telemetry.start();
    const stored = storedRows(ctx, 250);
    emitReadings(ctx, 0, 250);
    await ctx.watch.waitFor('could not store telemetry');
    // Before the retry's timer can fire: the retry stores the same rows.
    await sql`DELETE FROM fail_on`.execute(ctx.db);
    await stored;
    expect(await storedTs(ctx)).toEqual(Array.from({ length: 250 }, (_, i) => i));
    expect(telemetry.counters).toMatchObject({ stored: 250, dropped: 0, flushFailures: 1 });
    expect(ctx.watch.count('could not store telemetry')).toBe(1);
  });

  it('is bounded: with the store away the oldest rows go, counted and logged once; the rest are stored in order', async () => {
    ctx = await openTestContext({ storage: { telemetryFlushMs: 20, telemetryBufferMax: 300, telemetryWriter: writer } });
    telemetry = new TelemetryStore(ctx);
    await telemetry.start();
    await takeAway(ctx.db, 'telemetry');
    emitReadings(ctx, 0, 1000);
    expect(telemetry.buffered).toBe(300);
    expect(telemetry.counters.dropped).toBe(700);
    expect(ctx.watch.count('telemetry buffer full')).toBe(1);
    await ctx.watch.waitFor('could not store telemetry');
    await bringBack(ctx.db, 'telemetry');
    await telemetry.flush();
    expect(await storedTs(ctx)).toEqual(Array.from({ length: 300 }, (_, i) => 700 + i));
    expect(telemetry.counters).toMatchObject({ stored: 300, dropped: 700 });
    expect(telemetry.buffered).toBe(0);
  });

  it('backs off while the store fails instead of trying every interval, and resumes when it is back', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    ctx = await openTestContext({ storage: { telemetryFlushMs: 100, telemetryWriter: writer } });
    telemetry = new TelemetryStore(ctx);
    await telemetry.start();
    await takeAway(ctx.db, 'telemetry');
    emitReadings(ctx, 0, 5);
    const failuresAfter = async (ms: number) => {
      await vi.advanceTimersByTimeAsync(ms);
      // A write started by the timers is answered by the writer thread, on no timer: wait for it.
      await telemetry!.settled();
      return telemetry!.counters.flushFailures;
    };
    expect(await failuresAfter(100)).toBe(1); // the interval
    expect(await failuresAfter(99)).toBe(1);
    expect(await failuresAfter(1)).toBe(2); // +100
    expect(await failuresAfter(199)).toBe(2);
    expect(await failuresAfter(1)).toBe(3); // +200
    expect(await failuresAfter(399)).toBe(3);
    expect(await failuresAfter(1)).toBe(4); // +400
    // Messages arriving meanwhile do not start extra attempts.
    emitReadings(ctx, 5, 3000);
    expect(await failuresAfter(799)).toBe(4);
    await bringBack(ctx.db, 'telemetry');
    expect(await failuresAfter(1)).toBe(4); // +800: this one succeeds
    vi.useRealTimers();
    await telemetry.flush();
    expect(await storedTs(ctx)).toEqual(Array.from({ length: 3005 }, (_, i) => i));
  });

  it('counts and logs the rows it could not store before stop', async () => {
    ctx = await openTestContext({ storage: { telemetryFlushMs: 60_000, telemetryWriter: writer } });
    telemetry = new TelemetryStore(ctx);
    await telemetry.start();
    emitReadings(ctx, 0, 10);
    await takeAway(ctx.db, 'telemetry');
    await telemetry.stop();
    expect(telemetry.counters).toMatchObject({ stored: 0, dropped: 10, flushFailures: 1 });
    expect(ctx.watch.count('could not be stored before stop')).toBe(1);
    await bringBack(ctx.db, 'telemetry');
    telemetry = undefined;
  });
});

describe('telemetry prune', () => {
  async function insertOld(c: TestContext, rows: number, receivedAt: number): Promise<void> {
    const row = { compound_id: 'alpha', group_id: 'g01', ts: receivedAt, received_at: receivedAt, watts: 1, temperature_c: null, energy_wh: null, faults_json: null };
    for (let i = 0; i < rows; i += 500) {
      await c.db.insertInto('telemetry').values(Array.from({ length: Math.min(500, rows - i) }, (_, j) => ({ ...row, received_at: receivedAt + i + j }))).execute();
    }
  }

  it('removes old rows in chunks with turns of the event loop between, and never runs twice at once', async () => {
    ctx = await openTestContext({ storage: { telemetryRetentionDays: 1, pruneChunkRows: 1000 } });
    telemetry = new TelemetryStore(ctx);
    await telemetry.start();
    const now = Date.now();
    await insertOld(ctx, 12_000, now - 10 * 86_400_000);
    await insertOld(ctx, 50, now - 1000);
    let turns = 0;
    let done = false;
    const tick = () => {
      if (done) return;
      turns++;
      setImmediate(tick);
    };
    setImmediate(tick);
    const first = telemetry.prune(now);
    const second = telemetry.prune(now);
    const [a, b] = await Promise.all([first, second]);
    done = true;
    expect(a).toBe(12_000);
    expect(b).toBe(12_000); // the second call joined the first
    expect(telemetry.counters.pruned).toBe(12_000);
    // 12 chunks: the loop turned between them (one DELETE would give it no turn in between).
    expect(turns).toBeGreaterThanOrEqual(11);
    const left = await ctx.db.selectFrom('telemetry').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(left.n)).toBe(50);
  });

  it('a prune that fails is counted and logged by the background job, and the next one works', async () => {
    ctx = await openTestContext({ storage: { telemetryRetentionDays: 1, pruneIntervalMs: 1000 } });
    await insertOld(ctx, 100, Date.now() - 10 * 86_400_000);
    telemetry = new TelemetryStore(ctx);
    await takeAway(ctx.db, 'telemetry');
    await telemetry.start();
    await ctx.watch.waitFor('could not prune telemetry');
    expect(telemetry.counters.pruneFailures).toBe(1);
    await bringBack(ctx.db, 'telemetry');
    await ctx.watch.waitFor('pruned old telemetry');
    expect(telemetry.counters.pruned).toBe(100);
  });
});
