/**
 * Durable deadlines on a real SQLite file with a fake clock: fire at the due time, once; replace on
 * reschedule; cancel; survive restarts (due during downtime fires once at start, never again after);
 * retry a throwing handler with backoff, then mark it failed.
 */
import { rmSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Deadlines, type Deadline } from '../src/features/deadlines/deadlines.js';
import type { BusEvents } from '../src/bus/eventBus.js';
import type { ConfigInput } from '@caideng/controller';
import { openTestContext, settle, type TestContext } from './storeFaults.js';
import { tempDir } from './helpers.js';

const T0 = Date.UTC(2026, 1, 16, 12, 0, 0); // Spring Festival eve 2026, noon
const contexts: TestContext[] = [];
const running: Deadlines[] = [];
const sharedDirs: string[] = [];

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: T0 });
});

afterEach(async () => {
  vi.useRealTimers();
  for (const d of running.splice(0)) await d.stop();
  for (const c of contexts.splice(0)) await c.dispose();
  for (const d of sharedDirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A data directory the test reopens (restarts); removed after the test. */
function sharedDir(): string {
  const dir = tempDir('caideng-deadlines-');
  sharedDirs.push(dir);
  return dir;
}

async function open(config: ConfigInput = {}, dataDir?: string): Promise<{ ctx: TestContext; deadlines: Deadlines }> {
  const ctx = await openTestContext(config, dataDir ? { dataDir } : {});
  contexts.push(ctx);
  const deadlines = new Deadlines(ctx, { now: () => Date.now() });
  running.push(deadlines);
  return { ctx, deadlines };
}

/** Advances the fake clock and lets the store round trips that it started finish. */
async function advance(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
  await settle();
  await settle();
}

function recorder() {
  const calls: Array<Deadline<unknown> & { at: number }> = [];
  return { calls, handler: (d: Deadline<unknown>) => void calls.push({ ...d, at: Date.now() }) };
}

function busEvents<E extends keyof BusEvents>(ctx: TestContext, event: E): Array<BusEvents[E]> {
  const seen: Array<BusEvents[E]> = [];
  ctx.bus.on(event, {}, (p) => void seen.push(p));
  return seen;
}

describe('deadlines', () => {
  it('fires at the due time, once, with its payload, and tells the bus', async () => {
    const { ctx, deadlines } = await open();
    const { calls, handler } = recorder();
    const fired = busEvents(ctx, 'deadline.fired');
    deadlines.handle('override.expire', handler);
    await deadlines.start();
    await deadlines.schedule({ kind: 'override.expire', key: 'override/alpha/1', dueAt: T0 + 60_000, payload: { compound: 'alpha' } });
    await advance(59_999);
    expect(calls).toHaveLength(0);
    await advance(1);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ kind: 'override.expire', key: 'override/alpha/1', dueAt: T0 + 60_000, payload: { compound: 'alpha' }, attempt: 1, at: T0 + 60_000 });
    expect(fired).toEqual([{ kind: 'override.expire', key: 'override/alpha/1', dueAt: T0 + 60_000, firedAt: T0 + 60_000 }]);
    await advance(3_600_000);
    expect(calls).toHaveLength(1);
    expect(await deadlines.get('override/alpha/1')).toMatchObject({ status: 'fired', attempts: 1, finishedAt: T0 + 60_000 });
    expect(deadlines.counters).toMatchObject({ scheduled: 1, fired: 1, handlerFailures: 0, failed: 0 });
  });

  it('rescheduling a key replaces it, later or earlier', async () => {
    const { deadlines } = await open();
    const { calls, handler } = recorder();
    deadlines.handle('ticket.deadline', handler);
    await deadlines.start();
    await deadlines.schedule({ kind: 'ticket.deadline', key: 'ticket/7', dueAt: T0 + 60_000, payload: 1 });
    await deadlines.schedule({ kind: 'ticket.deadline', key: 'ticket/7', dueAt: T0 + 120_000, payload: 2 });
    await deadlines.schedule({ kind: 'ticket.deadline', key: 'ticket/8', dueAt: T0 + 120_000, payload: 'a' });
    await deadlines.schedule({ kind: 'ticket.deadline', key: 'ticket/8', dueAt: T0 + 30_000, payload: 'b' });
    await advance(30_000);
    expect(calls.map((c) => [c.key, c.payload, c.at])).toEqual([['ticket/8', 'b', T0 + 30_000]]);
    await advance(30_000);
    expect(calls).toHaveLength(1);
    await advance(60_000);
    expect(calls.map((c) => [c.key, c.payload, c.at])).toEqual([
      ['ticket/8', 'b', T0 + 30_000],
      ['ticket/7', 2, T0 + 120_000],
    ]);
  });

  it('cancel removes a deadline that has not fired', async () => {
    const { deadlines } = await open();
    const { calls, handler } = recorder();
    deadlines.handle('plan.refresh', handler);
    await deadlines.start();
    await deadlines.schedule({ kind: 'plan.refresh', key: 'plan/alpha', dueAt: T0 + 10_000 });
    expect(await deadlines.cancel('plan/alpha')).toBe(true);
    expect(await deadlines.cancel('plan/alpha')).toBe(false);
    await advance(20_000);
    expect(calls).toHaveLength(0);
    expect(await deadlines.get('plan/alpha')).toBeNull();
  });

  it('a handler may reschedule its own key (a refresh that repeats), and each run fires once', async () => {
    const { deadlines } = await open();
    const runs: number[] = [];
    deadlines.handle('plan.refresh', async (d) => {
      runs.push(Date.now());
      if (runs.length < 3) await deadlines.schedule({ kind: 'plan.refresh', key: d.key, dueAt: Date.now() + 5000 });
    });
    await deadlines.start();
    await deadlines.schedule({ kind: 'plan.refresh', key: 'plan/alpha', dueAt: T0 + 5000 });
    await advance(5000);
    await advance(5000);
    await advance(5000);
    await advance(60_000);
    expect(runs).toEqual([T0 + 5000, T0 + 10_000, T0 + 15_000]);
    expect(await deadlines.get('plan/alpha')).toMatchObject({ status: 'fired', dueAt: T0 + 15_000 });
  });

  it("waits past setTimeout's 24.8-day limit without firing early", async () => {
    const { deadlines } = await open();
    const { calls, handler } = recorder();
    deadlines.handle('festival.end', handler);
    await deadlines.start();
    const dueAt = T0 + 30 * 86_400_000;
    await deadlines.schedule({ kind: 'festival.end', key: 'festival/2026', dueAt });
    await advance(2 ** 31 - 1);
    expect(calls).toHaveLength(0);
    await advance(dueAt - Date.now() - 1);
    expect(calls).toHaveLength(0);
    await advance(1);
    expect(calls.map((c) => c.at)).toEqual([dueAt]);
  });

  it('a deadline due during downtime fires once at start, and not again after another restart', async () => {
    const dataDir = sharedDir();
    const first = await open({}, dataDir);
    const early = recorder();
    first.deadlines.handle('override.expire', early.handler);
    await first.deadlines.start();
    await first.deadlines.schedule({ kind: 'override.expire', key: 'override/alpha/2', dueAt: T0 + 10_000, payload: { scene: 'lotus' } });
    await first.deadlines.stop();
    await first.ctx.dispose();
    contexts.splice(contexts.indexOf(first.ctx), 1);
    expect(early.calls).toHaveLength(0);

    vi.setSystemTime(T0 + 3_600_000); // the controller was down for an hour
    const second = await open({}, dataDir);
    const late = recorder();
    const fired = busEvents(second.ctx, 'deadline.fired');
    second.deadlines.handle('override.expire', late.handler);
    await second.deadlines.start();
    await advance(0);
    expect(late.calls.map((c) => [c.key, c.payload, c.at])).toEqual([['override/alpha/2', { scene: 'lotus' }, T0 + 3_600_000]]);
    expect(fired).toEqual([{ kind: 'override.expire', key: 'override/alpha/2', dueAt: T0 + 10_000, firedAt: T0 + 3_600_000 }]);
    await second.deadlines.stop();
    await second.ctx.dispose();
    contexts.splice(contexts.indexOf(second.ctx), 1);

    const third = await open({}, dataDir);
    const again = recorder();
    third.deadlines.handle('override.expire', again.handler);
    await third.deadlines.start();
    await advance(86_400_000);
    expect(again.calls).toHaveLength(0);
    expect(await third.deadlines.get('override/alpha/2')).toMatchObject({ status: 'fired', attempts: 1 });
  });

  it('a deadline whose handler was interrupted by a crash runs again at start, counted', async () => {
    const dataDir = sharedDir();
    const first = await open({}, dataDir);
    await first.deadlines.schedule({ kind: 'override.expire', key: 'override/beta/1', dueAt: T0 });
    // What a process killed during the handler leaves behind: the row claimed, never settled.
    await first.ctx.db.updateTable('deadlines').set({ status: 'running', attempts: 1, claimed_at: T0 }).execute();
    await first.ctx.dispose();
    contexts.splice(contexts.indexOf(first.ctx), 1);

    const second = await open({}, dataDir);
    const { calls, handler } = recorder();
    second.deadlines.handle('override.expire', handler);
    await second.deadlines.start();
    await advance(0);
    expect(calls.map((c) => c.attempt)).toEqual([2]);
    expect(second.deadlines.counters.interrupted).toBe(1);
    expect(second.ctx.watch.count('interrupted by a stop')).toBe(1);
  });

  it('a handler that throws is retried with backoff, then marked failed', async () => {
    const { ctx, deadlines } = await open({ deadlines: { maxAttempts: 3, retryBaseMs: 1000 } });
    const attempts: Array<[number, number]> = [];
    const failed = busEvents(ctx, 'deadline.failed');
    deadlines.handle('ticket.deadline', (d) => {
      attempts.push([d.attempt, Date.now()]);
      throw new Error('escalation target unknown');
    });
    await deadlines.start();
    await deadlines.schedule({ kind: 'ticket.deadline', key: 'ticket/9', dueAt: T0 });
    await advance(0);
    await advance(999);
    expect(attempts).toEqual([[1, T0]]);
    await advance(1);
    await advance(1999);
    expect(attempts).toEqual([
      [1, T0],
      [2, T0 + 1000],
    ]);
    await advance(1);
    await advance(3_600_000);
    expect(attempts).toEqual([
      [1, T0],
      [2, T0 + 1000],
      [3, T0 + 3000],
    ]);
    expect(await deadlines.get('ticket/9')).toMatchObject({ status: 'failed', attempts: 3, lastError: 'escalation target unknown', finishedAt: T0 + 3000 });
    expect(failed).toEqual([{ kind: 'ticket.deadline', key: 'ticket/9', dueAt: T0, attempts: 3, error: 'escalation target unknown' }]);
    expect(deadlines.counters).toMatchObject({ handlerFailures: 3, failed: 1, fired: 0 });
    expect(ctx.watch.count('deadline handler failed; will retry')).toBe(2);
    expect(ctx.watch.count('last attempt')).toBe(1);
  });

  it('a handler that fails once fires on its retry', async () => {
    const { deadlines } = await open({ deadlines: { retryBaseMs: 500 } });
    const attempts: number[] = [];
    deadlines.handle('plan.refresh', (d) => {
      attempts.push(d.attempt);
      if (d.attempt === 1) return Promise.reject(new Error('plan not ready'));
    });
    await deadlines.start();
    await deadlines.schedule({ kind: 'plan.refresh', key: 'plan/beta', dueAt: T0 + 100 });
    await advance(100);
    await advance(500);
    await advance(60_000);
    expect(attempts).toEqual([1, 2]);
    expect(await deadlines.get('plan/beta')).toMatchObject({ status: 'fired', attempts: 2, lastError: null });
  });

  it('refuses a malformed deadline', async () => {
    const { deadlines } = await open();
    await expect(deadlines.schedule({ kind: 'x', key: '', dueAt: T0 })).rejects.toThrow(/key/);
    await expect(deadlines.schedule({ kind: 'x', key: 'k', dueAt: Number.NaN })).rejects.toThrow(/dueAt/);
    await expect(deadlines.schedule({ kind: 'x', key: 'k', dueAt: T0, payload: 'x'.repeat(70_000) })).rejects.toThrow(/payload/);
    expect(() => {
      deadlines.handle('x', () => undefined);
      deadlines.handle('x', () => undefined);
    }).toThrow(/already has a handler/);
  });
});
