/**
 * The browser's clock offset to the controller, estimated NTP-style from GET /api/clock: for each sample,
 * offset = controller `now` − the midpoint of the request (browser clock), and the sample with the shortest
 * round trip is kept (its midpoint is the least uncertain, error ≤ RTT / 2). A few samples at start and
 * again every minute (a browser's clock drifts and the controller may restart with another clock).
 *
 * Scene previews add the offset to Date.now() to run on the controller's clock, the clock of every
 * command's `startAt` and every group's `startedAt`.
 */
import { getJson } from '../data/api';
import { refCounted, useStore, useSubscription, writable } from './store';

export interface ClockSample {
  /** Controller clock − browser clock, ms. */
  offsetMs: number;
  /** Round trip of the request, ms. */
  rttMs: number;
  /** Browser time of the sample, epoch ms. */
  at: number;
}

/** One sample from a request sent at browser time t0, answered with the controller's `now`, back at t1. */
export function sampleOf(t0: number, controllerNow: number, t1: number): ClockSample {
  return { offsetMs: Math.round(controllerNow - (t0 + t1) / 2), rttMs: t1 - t0, at: t1 };
}

/** The sample with the shortest round trip (the first of equals); null when there are none. */
export function bestSample(samples: readonly ClockSample[]): ClockSample | null {
  let best: ClockSample | null = null;
  for (const s of samples) if (!best || s.rttMs < best.rttMs) best = s;
  return best;
}

/** Takes `count` samples one after another with `ask` (resolving to the controller's now) and keeps the best. */
export async function measureOffset(ask: () => Promise<number>, count = 5, clock: () => number = Date.now): Promise<ClockSample | null> {
  const samples: ClockSample[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = clock();
    const now = await ask();
    samples.push(sampleOf(t0, now, clock()));
  }
  return bestSample(samples);
}

export const SYNC_SAMPLES = 5;
export const RESYNC_MS = 60_000;

/** The latest estimate; null until the first one (previews then use offset 0). */
export const clockOffset = writable<ClockSample | null>(null);

/** Keeps `clockOffset` current while subscribed: samples at start and every minute. */
export const subscribeClockSync = refCounted(() => {
  let abort = new AbortController();
  const sync = () => {
    abort.abort();
    abort = new AbortController();
    const signal = abort.signal;
    measureOffset(() => getJson<{ now: number }>('/api/clock', signal, { quiet403: true }).then((c) => c.now), SYNC_SAMPLES)
      .then((s) => {
        if (s && !signal.aborted) clockOffset.set(s);
      })
      .catch(() => undefined /* unreachable now: keep the last estimate, try again in a minute */);
  };
  sync();
  const timer = setInterval(sync, RESYNC_MS);
  return () => {
    abort.abort();
    clearInterval(timer);
  };
});

/** The current offset (controller − browser, ms) for a component; 0 until measured. */
export function useClockOffset(): number {
  useSubscription(subscribeClockSync);
  return useStore(clockOffset)?.offsetMs ?? 0;
}
