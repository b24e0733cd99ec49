/**
 * Admission of CONNECTs at a bounded rate. After a restart every device of a city reconnects within seconds;
 * each CONNECT costs an authentication, subscriptions, retained messages and an availability change. Taken
 * all at once they starve everything else (acks, pushes, the HTTP API) and time out themselves, so the whole
 * storm comes back. CONNECTs beyond `perS` (with bursts of `burst`) wait in a FIFO queue of at most `queueMax`
 * and are let in as the rate allows; one more is refused, and the device's backoff brings it back later.
 * Time comes in as an argument (`now`, epoch ms).
 */
export type Admission = 'admitted' | 'queued' | 'refused';

export interface AdmissionCounters {
  /** CONNECTs let in without waiting. */
  admitted: number;
  /** CONNECTs that waited in the queue (and were let in, or went away while waiting). */
  queued: number;
  /** CONNECTs refused because the queue was full. */
  refused: number;
  /** Queued CONNECTs whose connection closed before their turn. */
  abandoned: number;
  /** Longest time a CONNECT waited, ms. */
  maxWaitMs: number;
}

interface Waiting<T> {
  item: T;
  since: number;
}

export class ConnectAdmission<T> {
  private tokens: number;
  private last: number;
  private readonly queue: Array<Waiting<T> | undefined> = [];
  private head = 0;
  readonly counters: AdmissionCounters = { admitted: 0, queued: 0, refused: 0, abandoned: 0, maxWaitMs: 0 };

  constructor(
    private readonly perS: number,
    private readonly burst: number,
    private readonly queueMax: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  /** CONNECTs waiting now. */
  get waiting(): number {
    return this.queue.length - this.head;
  }

  /** A CONNECT arrives: in at once, behind the ones waiting, or refused. */
  offer(item: T, now: number): Admission {
    this.refill(now);
    if (this.waiting === 0 && this.tokens >= 1) {
      this.tokens -= 1;
      this.counters.admitted++;
      return 'admitted';
    }
    if (this.waiting >= this.queueMax) {
      this.counters.refused++;
      return 'refused';
    }
    this.queue.push({ item, since: now });
    this.counters.queued++;
    return 'queued';
  }

  /**
   * The queued CONNECTs whose turn has come, oldest first; `alive` drops those whose connection has gone
   * (they cost no token).
   */
  due(now: number, alive: (item: T) => boolean): T[] {
    this.refill(now);
    const out: T[] = [];
    while (this.head < this.queue.length && this.tokens >= 1) {
      const w = this.queue[this.head]!;
      this.queue[this.head++] = undefined;
      if (!alive(w.item)) {
        this.counters.abandoned++;
        continue;
      }
      this.tokens -= 1;
      this.counters.maxWaitMs = Math.max(this.counters.maxWaitMs, now - w.since);
      out.push(w.item);
    }
    // Compact once the consumed head is large, so the array does not grow for ever.
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    return out;
  }

  /** Ms until the next queued CONNECT may go in (0 when one may now, or none waits). */
  nextInMs(now: number): number {
    if (this.waiting === 0) return 0;
    this.refill(now);
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.perS) * 1000);
  }

  /** Everything still waiting, removed (at stop). */
  clear(): T[] {
    const rest = this.queue.slice(this.head).filter((w): w is Waiting<T> => w !== undefined).map((w) => w.item);
    this.queue.length = 0;
    this.head = 0;
    return rest;
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perS);
    this.last = now;
  }
}
