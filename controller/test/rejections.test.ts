/**
 * Stored rejections: a bounded buffer that drops its oldest (counted) while the store is away and keeps
 * the rest in order for the retry; a prune by `storage.rejectionRetentionDays`, in chunks.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { Rejections } from '../src/features/rejections/rejections.js';
import { bringBack, openTestContext, takeAway, type TestContext } from './storeFaults.js';

let ctx: TestContext | undefined;
let rejections: Rejections | undefined;
afterEach(async () => {
  await rejections?.stop();
  await ctx?.dispose();
  rejections = undefined;
  ctx = undefined;
});

function reject(c: TestContext, n: number, at: number): void {
  for (let i = 0; i < n; i++) c.bus.emit('message.rejected', { identity: null, topic: `t/${i}`, code: 'CAIDENG_ERR_VALIDATION', reason: String(i), at: at + i });
}

describe('rejections store', () => {
  it('keeps at most 10,000 unstored, dropping the oldest (counted, logged once), and stores the rest in order when the store is back', async () => {
    ctx = await openTestContext();
    rejections = new Rejections(ctx);
    await rejections.start();
    await takeAway(ctx.db, 'rejections');
    reject(ctx, 10_500, Date.now());
    await expect(rejections.flush()).rejects.toThrow(/no such table/);
    expect(rejections.counters).toMatchObject({ dropped: 500, flushFailures: 1, stored: 0 });
    expect(ctx.watch.count('rejection buffer full')).toBe(1);
    await bringBack(ctx.db, 'rejections');
    await rejections.flush();
    const { rows } = await sql<{ reason: string }>`SELECT reason FROM rejections ORDER BY rowid`.execute(ctx.db);
    expect(rows.map((r) => Number(r.reason))).toEqual(Array.from({ length: 10_000 }, (_, i) => 500 + i));
    expect(rejections.counters.stored).toBe(10_000);
    expect(rejections.total).toBe(10_500);
  });

  it('prunes by the configured retention, in chunks', async () => {
    ctx = await openTestContext({ storage: { rejectionRetentionDays: 3, pruneChunkRows: 100 } });
    rejections = new Rejections(ctx);
    await rejections.start();
    const now = Date.now();
    reject(ctx, 450, now - 4 * 86_400_000);
    reject(ctx, 20, now - 2 * 86_400_000);
    await rejections.flush();
    let turns = 0;
    let done = false;
    const tick = () => {
      if (!done) {
        turns++;
        setImmediate(tick);
      }
    };
    setImmediate(tick);
    expect(await rejections.prune(now)).toBe(450);
    done = true;
    expect(turns).toBeGreaterThanOrEqual(4);
    const { rows } = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM rejections`.execute(ctx.db);
    expect(Number(rows[0]!.n)).toBe(20);
    expect(rejections.counters.pruned).toBe(450);
  });
});
