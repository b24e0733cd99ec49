/**
 * Small pieces the background writers share: a bounded write queue that keeps rows in arrival order,
 * exponential backoff, and a log throttle.
 */

/**
 * Rows waiting to be stored, oldest first, at most `max` of them. The chunk being written stays at the
 * head until it is stored, so a failed write is retried with the same rows in the same order. When the
 * queue is full the oldest row that is not being written goes (docs/decisions.md: the newest readings
 * join up with the live stream when the store comes back).
 */
export class WriteQueue<T> {
  private items: T[] = [];
  private head = 0;
  private inFlight: T[] | null = null;
  /** Rows moved into a chunk since start: a row's number is its position in that sequence. */
  private taken = 0;
  /** Rows dropped because the queue was full, since start. */
  dropped = 0;

  constructor(readonly max: number) {}

  /** Rows not yet stored, including the chunk being written. */
  get size(): number {
    return this.items.length - this.head + (this.inFlight?.length ?? 0);
  }

  /** Appends a row; returns true when a row was dropped to make room. */
  push(item: T): boolean {
    let dropped = false;
    if (this.size >= this.max) {
      dropped = true;
      this.dropped++;
      // Everything waiting is in flight (a bound below one chunk): the new row is the one that goes.
      if (this.items.length === this.head) return true;
      this.head++;
    }
    this.items.push(item);
    return dropped;
  }

  /** The number of the first row of the chunk in flight (rows are numbered from 0 as they are taken). */
  get inFlightFirst(): number {
    return this.taken - (this.inFlight?.length ?? 0);
  }

  /** The chunk to write next: the one whose write failed, else up to `n` of the oldest rows; null when empty. */
  next(n: number): T[] | null {
    if (this.inFlight) return this.inFlight;
    if (this.items.length === this.head) return null;
    const end = Math.min(this.items.length, this.head + n);
    this.inFlight = this.items.slice(this.head, end);
    this.taken += end - this.head;
    this.head = end;
    // Let go of rows taken, so they die young instead of being kept (and promoted) by this array.
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return this.inFlight;
  }

  /** The chunk returned by next() is stored, or its first `rows` are (the rest is the chunk to retry). */
  done(rows?: number): void {
    if (!this.inFlight) return;
    this.inFlight = rows === undefined || rows >= this.inFlight.length ? null : this.inFlight.slice(rows);
  }

  /** Empties the queue; returns how many rows were in it. */
  clear(): number {
    const n = this.size;
    this.items = [];
    this.head = 0;
    this.inFlight = null;
    return n;
  }
}

/** Delay before attempt `failures + 1`: `baseMs` doubled per failure so far, at most `maxMs`. */
export function backoffMs(failures: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, Math.min(failures - 1, 30)));
}

/** Returns a function that answers true at most once per `intervalMs` (for warnings that may repeat per message). */
export function oncePer(intervalMs: number, now: () => number = Date.now): () => boolean {
  let last = -Infinity;
  return () => {
    const t = now();
    if (t - last < intervalMs) return false;
    last = t;
    return true;
  };
}

/** One turn of the event loop, so queued I/O (acks, pushes) runs between two writes. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
