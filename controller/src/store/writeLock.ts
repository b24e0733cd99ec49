/**
 * The write lock between the main thread's connection and the writer thread's, in shared memory. SQLite
 * lets one connection write at a time, and a connection that finds the lock taken sleeps in steps of 1, 2,
 * 5, 10 … ms and tries again, so a writer thread that commits back to back could keep the main thread
 * waiting for as long as it has rows. Here both sides take this lock around each write transaction: the
 * main thread waits at most for the writer's current transaction (≤ 100 rows, about 2 ms), is woken the
 * moment it ends, and goes first: the writer does not start another while the main thread waits. SQLite's
 * own locking stays underneath, for every other connection.
 */
import { performance } from 'node:perf_hooks';

/** Word 0: who holds the lock. Word 1: main-thread writers waiting for it. */
export const FREE = 0;
export const WORKER = 1;
export const MAIN = 2;

/** The main thread gives up waiting after this long and leaves the wait to SQLite (busy_timeout). */
const MAIN_WAIT_MAX_MS = 1000;

export interface WriteLockCounters {
  /** Main-thread writes that found the writer thread in a transaction. */
  writeLockWaits: number;
  /** Time the main thread spent waiting for it, in all (ms). */
  writeLockWaitMs: number;
  /** The longest of those waits (ms). */
  writeLockWaitMaxMs: number;
}

export class WriteLock {
  readonly buffer = new SharedArrayBuffer(8);
  private readonly words = new Int32Array(this.buffer);
  readonly counters: WriteLockCounters = { writeLockWaits: 0, writeLockWaitMs: 0, writeLockWaitMaxMs: 0 };

  /** Takes the lock for the main thread; false when it waited too long (it then writes without it). */
  acquire(): boolean {
    const w = this.words;
    if (Atomics.compareExchange(w, 0, FREE, MAIN) === FREE) return true;
    const start = performance.now();
    this.counters.writeLockWaits++;
    Atomics.add(w, 1, 1);
    try {
      for (;;) {
        const holder = Atomics.compareExchange(w, 0, FREE, MAIN);
        if (holder === FREE) return true;
        const left = start + MAIN_WAIT_MAX_MS - performance.now();
        if (left <= 0) return false;
        Atomics.wait(w, 0, holder, left);
      }
    } finally {
      Atomics.sub(w, 1, 1);
      const waited = performance.now() - start;
      this.counters.writeLockWaitMs += waited;
      if (waited > this.counters.writeLockWaitMaxMs) this.counters.writeLockWaitMaxMs = waited;
    }
  }

  release(): void {
    Atomics.store(this.words, 0, FREE);
    Atomics.notify(this.words, 0);
  }

  /** The writer thread died, perhaps holding the lock: free it. */
  releaseWorker(): void {
    if (Atomics.compareExchange(this.words, 0, WORKER, FREE) === WORKER) Atomics.notify(this.words, 0);
  }
}

/**
 * The writer thread's side, as source for an inline worker: `lock()` waits while the main thread holds
 * the lock or waits for it; `unlock()` frees it and wakes the main thread.
 */
export const WORKER_LOCK_SOURCE = `
  const lockWords = new Int32Array(workerData.lock);
  const lock = () => {
    for (;;) {
      if (Atomics.load(lockWords, 1) === 0 && Atomics.compareExchange(lockWords, 0, ${FREE}, ${WORKER}) === ${FREE}) return;
      const holder = Atomics.load(lockWords, 0);
      Atomics.wait(lockWords, 0, holder, 2);
    }
  };
  const unlock = () => {
    Atomics.store(lockWords, 0, ${FREE});
    Atomics.notify(lockWords, 0);
  };
`;
