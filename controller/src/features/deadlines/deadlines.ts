/**
 * Durable deadlines: a store-backed timer that features use for override expiry, ticket deadlines and
 * plan refreshes instead of a bare setTimeout, which a restart forgets.
 *
 *   deadlines.handle('override.expire', async ({ key, payload }) => { … });   // in the feature's start()
 *   await deadlines.schedule({ kind: 'override.expire', key: `override/${id}`, dueAt, payload });
 *   await deadlines.cancel(`override/${id}`);
 *
 * One row per key (scheduling a key again replaces it). One timer is armed for the earliest due row of
 * the kinds that have a handler. A row is claimed in the store (`running`) before its handler runs and
 * marked `fired` after it returns, so a fired deadline never fires again, across restarts too; one that
 * came due while the controller was down fires once at start. A handler that throws is logged, counted
 * and run again with backoff, up to `deadlines.maxAttempts`, then marked `failed`; so is one interrupted
 * by a crash. Handlers must therefore tolerate a second run after a failed or interrupted one.
 * Handlers run one at a time, in due order: keep them short (publish, enqueue), not long jobs.
 */
import { Feature, type FeatureContext } from '../feature.js';
import { PeriodicJob } from '../../store/jobs.js';
import { pruneOlderThan } from '../../store/prune.js';
import { backoffMs } from '../../store/writeQueue.js';
import * as store from './store.js';

/** setTimeout's largest delay (2^31-1 ms, about 24.8 days); a later deadline re-arms when this fires. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;
/** Due rows read per store round trip. */
const BATCH = 50;
const MAX_KEY = 200;
const MAX_KIND = 64;
const MAX_PAYLOAD_BYTES = 65_536;

export interface DeadlineInput<P = unknown> {
  /** Which handler runs it, e.g. `override.expire`. */
  kind: string;
  /** Identifies the deadline: scheduling the same key again replaces it. */
  key: string;
  /** Epoch ms; a time in the past fires at once. */
  dueAt: number;
  /** JSON-serialisable data for the handler. */
  payload?: P;
}

/** What a handler gets. */
export interface Deadline<P = unknown> {
  kind: string;
  key: string;
  dueAt: number;
  payload: P;
  /** 1 for the first run, 2 for the first retry, … */
  attempt: number;
  createdAt: number;
}

export type DeadlineHandler<P = unknown> = (deadline: Deadline<P>) => void | Promise<void>;

export interface DeadlineView {
  key: string;
  kind: string;
  dueAt: number;
  nextAt: number;
  status: 'pending' | 'running' | 'fired' | 'failed';
  attempts: number;
  payload: unknown;
  createdAt: number;
  finishedAt: number | null;
  lastError: string | null;
}

export interface DeadlineCounters {
  scheduled: number;
  cancelled: number;
  fired: number;
  /** Handler runs that threw (each is retried until the attempts are used up). */
  handlerFailures: number;
  /** Deadlines given up after their last attempt. */
  failed: number;
  /** Deadlines found running at start (the controller died during their handler). */
  interrupted: number;
  /** Timer rounds that could not read or write the store (retried with backoff). */
  timerFailures: number;
  pruned: number;
}

export interface DeadlinesOptions {
  /** The clock, epoch ms; tests inject one. Default Date.now. */
  now?: () => number;
  /** Real ms until the clock shows `at` (a clock that runs faster than the wall clock); default at − now(). */
  delayUntil?: (at: number) => number;
}

/** How one attempt ended, with what the bus event needs. */
interface Settlement {
  key: string;
  kind: string;
  token: string;
  dueAt: number;
  claimedAt: number;
  attempt: number;
  outcome: store.Outcome;
  at: number;
}

export class Deadlines extends Feature {
  readonly counters: DeadlineCounters = { scheduled: 0, cancelled: 0, fired: 0, handlerFailures: 0, failed: 0, interrupted: 0, timerFailures: 0, pruned: 0 };
  private readonly handlers = new Map<string, DeadlineHandler<never>>();
  private readonly now: () => number;
  private readonly delayUntil: (at: number) => number;
  private readonly pruneJob: PeriodicJob;
  /** Outcomes of handler runs the store could not record yet; written first in the next round. */
  private readonly unsettled = new Map<string, Settlement>();
  private timer: NodeJS.Timeout | null = null;
  /** When the armed timer wants to run (a due time, or a retry after a store failure). */
  private armedFor: number | null = null;
  private ticking: Promise<void> | null = null;
  private tickAgain = false;
  private started = false;
  private stopped = false;
  private recovered = false;
  private storeFailuresInRow = 0;

  constructor(ctx: FeatureContext, options: DeadlinesOptions = {}) {
    super(ctx, 'deadlines');
    this.now = options.now ?? Date.now;
    this.delayUntil = options.delayUntil ?? ((at) => at - this.now());
    const { pruneIntervalMs } = ctx.config.storage;
    this.pruneJob = new PeriodicJob({
      what: 'prune finished deadlines',
      log: this.log,
      intervalMs: pruneIntervalMs,
      firstDelayMs: Math.min(pruneIntervalMs, 60_000),
      run: async () => {
        const cutoff = this.now() - this.ctx.config.deadlines.retentionDays * 86_400_000;
        const rows = await pruneOlderThan(this.ctx.db, 'deadlines', cutoff, {
          chunkRows: this.ctx.config.storage.pruneChunkRows,
          stopRequested: () => this.stopped,
        });
        this.counters.pruned += rows;
      },
    });
  }

  /**
   * Registers the handler of a kind. Register in a feature's start(), before the deadlines start, so a
   * deadline due during downtime finds its handler; a later registration arms the timer for its kind then.
   */
  handle<P = unknown>(kind: string, handler: DeadlineHandler<P>): void {
    if (this.handlers.has(kind)) throw new Error(`deadline kind '${kind}' already has a handler`);
    this.handlers.set(kind, handler as DeadlineHandler<never>);
    if (this.started) this.kick();
  }

  /** Stores a deadline (replacing one with the same key, whatever its state) and arms the timer if it is the next. */
  async schedule<P>(input: DeadlineInput<P>): Promise<void> {
    const { kind, key, dueAt } = input;
    if (typeof kind !== 'string' || kind.length === 0 || kind.length > MAX_KIND) throw new TypeError(`deadline kind must be 1–${MAX_KIND} characters`);
    if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY) throw new TypeError(`deadline key must be 1–${MAX_KEY} characters`);
    if (!Number.isSafeInteger(dueAt) || dueAt < 0) throw new TypeError(`deadline ${key}: dueAt must be epoch milliseconds`);
    const payloadJson = JSON.stringify(input.payload ?? null);
    if (Buffer.byteLength(payloadJson) > MAX_PAYLOAD_BYTES) throw new TypeError(`deadline ${key}: payload larger than ${MAX_PAYLOAD_BYTES} bytes`);
    await store.upsert(this.ctx.db, { key, kind, dueAt, payloadJson, now: this.now() });
    this.unsettled.delete(key);
    this.counters.scheduled++;
    if (!this.started || this.stopped || !this.handlers.has(kind)) return;
    // A round in progress may have read the next due time already: let it look again when it ends.
    if (this.ticking) this.tickAgain = true;
    else if (this.armedFor === null || dueAt < this.armedFor) this.arm(dueAt);
  }

  /** Cancels a deadline that has not fired; resolves with whether there was one. */
  async cancel(key: string): Promise<boolean> {
    const removed = await store.remove(this.ctx.db, key);
    if (removed) this.counters.cancelled++;
    // The armed timer may be for this one; waking for nothing costs one query and re-arms.
    return removed;
  }

  /** The stored deadline of a key, whatever its state. */
  async get(key: string): Promise<DeadlineView | null> {
    const row = await store.find(this.ctx.db, key);
    if (!row) return null;
    return {
      key: row.key,
      kind: row.kind,
      dueAt: Number(row.due_at),
      nextAt: Number(row.next_at),
      status: row.status,
      attempts: row.attempts,
      payload: JSON.parse(row.payload_json) as unknown,
      createdAt: Number(row.created_at),
      finishedAt: row.finished_at == null ? null : Number(row.finished_at),
      lastError: row.last_error,
    };
  }

  /** Restores the timer from the store: deadlines due during downtime fire now. Call once the controller serves. */
  override async start(): Promise<void> {
    this.started = true;
    this.stopped = false;
    this.kick();
    this.pruneJob.start();
  }

  /** Clears the timer and waits for the handler in progress (the rest stay pending in the store). */
  override async stop(): Promise<void> {
    await super.stop();
    this.stopped = true;
    this.arm(null);
    await this.pruneJob.stop();
    await this.ticking;
  }

  /** Looks at the store again now: the clock was set to another time (deadlines due by it fire). */
  wake(): void {
    if (this.started) this.kick();
  }

  /** Starts a round, or asks the round in progress for another one. */
  private kick(): void {
    if (this.stopped) return;
    if (this.ticking) {
      this.tickAgain = true;
      return;
    }
    this.arm(null);
    this.ticking = this.round().finally(() => {
      this.ticking = null;
      if (this.tickAgain) {
        this.tickAgain = false;
        this.kick();
      }
    });
  }

  /** One round: record outcomes left over, fire what is due, arm the timer for the next. Never rejects. */
  private async round(): Promise<void> {
    const { db } = this.ctx;
    try {
      await this.writeUnsettled();
      if (!this.recovered) {
        const interrupted = await store.recoverInterrupted(db, this.ctx.config.deadlines.maxAttempts, this.now());
        this.recovered = true;
        if (interrupted > 0) {
          this.counters.interrupted += interrupted;
          this.log.warn({ deadlines: interrupted }, 'deadlines were interrupted by a stop during their handler; running them again');
        }
      }
      const kinds = [...this.handlers.keys()];
      if (kinds.length === 0) return;
      for (;;) {
        const rows = await store.due(db, kinds, this.now(), BATCH);
        for (const row of rows) {
          if (this.stopped) return;
          await this.fire(row);
        }
        if (rows.length < BATCH) break;
      }
      if (this.stopped) return;
      const next = await store.nextDue(db, kinds);
      this.storeFailuresInRow = 0;
      this.arm(next);
    } catch (err) {
      this.counters.timerFailures++;
      this.storeFailuresInRow++;
      const { retryBaseMs, retryMaxMs } = this.ctx.config.deadlines;
      const retryInMs = backoffMs(this.storeFailuresInRow, retryBaseMs, retryMaxMs);
      this.log.error({ err, failuresInRow: this.storeFailuresInRow, retryInMs }, 'deadline timer could not use the store; will retry');
      if (!this.stopped) this.arm(this.now() + retryInMs);
    }
  }

  private async fire(row: store.DeadlineRow): Promise<void> {
    const handler = this.handlers.get(row.kind);
    if (!handler) return;
    const claimedAt = this.now();
    if (!(await store.claim(this.ctx.db, row, claimedAt))) return;
    const attempt = row.attempts + 1;
    const dueAt = Number(row.due_at);
    let outcome: store.Outcome;
    try {
      await handler({ kind: row.kind, key: row.key, dueAt, payload: JSON.parse(row.payload_json) as never, attempt, createdAt: Number(row.created_at) });
      outcome = { status: 'fired' };
    } catch (err) {
      this.counters.handlerFailures++;
      const error = (err instanceof Error ? err.message : String(err)).slice(0, 1024);
      const { maxAttempts, retryBaseMs, retryMaxMs } = this.ctx.config.deadlines;
      if (attempt < maxAttempts) {
        const retryInMs = backoffMs(attempt, retryBaseMs, retryMaxMs);
        this.log.warn({ err, kind: row.kind, key: row.key, attempt, maxAttempts, retryInMs }, 'deadline handler failed; will retry');
        outcome = { status: 'retry', nextAt: this.now() + retryInMs, error };
      } else {
        this.log.error({ err, kind: row.kind, key: row.key, attempt }, 'deadline handler failed on its last attempt; deadline marked failed');
        outcome = { status: 'failed', error };
      }
    }
    await this.record({ key: row.key, kind: row.kind, token: row.token, dueAt, claimedAt, attempt, outcome, at: this.now() });
  }

  /** Writes an attempt's outcome, then tells the bus; if the store fails, keeps it to write first in the next round. */
  private async record(s: Settlement): Promise<void> {
    try {
      await store.settle(this.ctx.db, s.key, s.token, s.outcome, s.at);
    } catch (err) {
      this.unsettled.set(s.key, s);
      throw err;
    }
    this.announce(s);
  }

  private async writeUnsettled(): Promise<void> {
    for (const s of this.unsettled.values()) {
      await store.settle(this.ctx.db, s.key, s.token, s.outcome, s.at);
      this.unsettled.delete(s.key);
      this.announce(s);
    }
  }

  private announce(s: Settlement): void {
    const { kind, key, dueAt, outcome } = s;
    if (outcome.status === 'fired') {
      this.counters.fired++;
      this.ctx.bus.emit('deadline.fired', { kind, key, dueAt, firedAt: s.claimedAt });
    } else if (outcome.status === 'failed') {
      this.counters.failed++;
      this.ctx.bus.emit('deadline.failed', { kind, key, dueAt, attempts: s.attempt, error: outcome.error });
    }
  }

  /** Sets the one timer for `at` (epoch ms, by the injected clock), or clears it for null. */
  private arm(at: number | null): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.armedFor = at;
    if (at === null || this.stopped) return;
    const delay = Math.min(Math.max(0, this.delayUntil(at)), MAX_TIMEOUT_MS);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.armedFor = null;
      this.kick();
    }, delay);
    this.timer.unref();
  }
}
