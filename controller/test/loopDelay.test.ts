/**
 * The event-loop delay of /api/metrics: a recent window, not the time since start, and without the
 * histogram's own sampling interval (an idle loop read 10.25 ms at the median before).
 */
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { LoopDelayWindow, type LoopDelayReading } from '../src/http/loopDelay.js';
import { startTestController, type TestController, apiFetch } from './helpers.js';

function block(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

let loop: LoopDelayWindow | undefined;
let ctl: TestController | undefined;
afterEach(async () => {
  loop?.stop();
  loop = undefined;
  await ctl?.dispose();
  ctl = undefined;
});

describe('event-loop delay window', () => {
  it('reports the last complete window: a stall shows once, then ages out', async () => {
    loop = new LoopDelayWindow({ windowMs: 300 });
    loop.start();
    const first = once(loop, 'window') as Promise<[LoopDelayReading]>;
    // After the histogram's first samples (it records intervals between two of them).
    setTimeout(() => block(120), 50);
    const [stalled] = await first;
    expect(stalled.max).toBeGreaterThanOrEqual(90);
    // Until the next window completes, a reading is that window's.
    expect(loop.read()).toEqual(stalled);
    const [quiet] = (await once(loop, 'window')) as [LoopDelayReading];
    expect(quiet.max).toBeLessThan(90);
    expect(loop.read()).toEqual(quiet);
    expect(quiet.windowS).toBeGreaterThan(0.2);
  });

  it('subtracts the sampling interval: an idle loop reads about 0, not 10 ms', async () => {
    loop = new LoopDelayWindow({ windowMs: 300, resolutionMs: 10 });
    loop.start();
    const [idle] = (await once(loop, 'window')) as [LoopDelayReading];
    expect(idle.p50).toBeGreaterThanOrEqual(0);
    expect(idle.p50).toBeLessThan(5);
  });

  it('is what /api/metrics answers', async () => {
    ctl = await startTestController();
    const metrics = (await (await apiFetch(ctl, `/api/metrics`)).json()) as { eventLoopDelayMs: LoopDelayReading };
    expect(Object.keys(metrics.eventLoopDelayMs).sort()).toEqual(['max', 'p50', 'p99', 'windowS']);
    // The first window is still running: fewer than 10 s of it.
    expect(metrics.eventLoopDelayMs.windowS).toBeLessThan(10);
    expect(metrics.eventLoopDelayMs.p50).toBeLessThan(5);
  });
});
