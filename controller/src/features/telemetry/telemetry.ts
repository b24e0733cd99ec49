/**
 * Telemetry ingest: rows are buffered and written in chunks once per flush interval, so thousands of
 * readings per second cost a few short statements, not thousands. One flush runs at a time; a buffer that
 * fills up early brings the next flush forward once. A failed write keeps every unstored row, in order,
 * and is retried with backoff; the buffer is bounded (`storage.telemetryBufferMax`) and drops its oldest
 * rows, counted, when the store stays away. Old rows are pruned in chunks in the background.
 * The inserts run in a writer thread with its own connection (store/batchWriter.ts), so the main thread
 * only hands over each chunk and hears back after its commit (`storage.telemetryWriter`).
 */
import { Feature, type FeatureContext } from '../feature.js';
import type { TelemetryTable } from '../../store/schema.js';
import type { TelemetryRow } from '../../bus/eventBus.js';
import { PeriodicJob } from '../../store/jobs.js';
import { pruneOlderThan } from '../../store/prune.js';
import { storeHealth } from '../../store/db.js';
import { BatchWriteError, BatchWriter, type BatchWriterCounters, type BatchWriterOptions } from '../../store/batchWriter.js';
import { WriteQueue, backoffMs, oncePer, yieldToEventLoop } from '../../store/writeQueue.js';

/** This many waiting rows bring the next flush forward, so one flush never holds the event loop for long. */
const EARLY_FLUSH_ROWS = 2000;
/**
 * Fixed-size multi-row inserts: a few distinct statements, each prepared once. In the writer thread each is
 * one transaction, short enough that a main-thread write waiting for the lock waits a millisecond or two.
 */
const ROWS_PER_INSERT = 100;
const COLUMNS = ['compound_id', 'group_id', 'ts', 'received_at', 'watts', 'temperature_c', 'energy_wh', 'faults_json'] as const satisfies ReadonlyArray<keyof TelemetryTable>;
/** Longest wait between two attempts while the store fails. */
const RETRY_MAX_MS = 30_000;

export interface TelemetryCounters extends BatchWriterCounters {
  /** Rows written since start. */
  stored: number;
  /** Rows lost: dropped from a full buffer, or still unstored when the controller stopped. */
  dropped: number;
  /** Failed writes (each is retried). */
  flushFailures: number;
  /** Rows removed by the retention prune. */
  pruned: number;
  pruneFailures: number;
}

export class TelemetryStore extends Feature {
  private readonly own = { stored: 0, dropped: 0, flushFailures: 0, pruned: 0, pruneFailures: 0 };
  private readonly queue: WriteQueue<TelemetryTable>;
  private readonly writer: BatchWriter<TelemetryTable>;
  private readonly pruneJob: PeriodicJob;
  private readonly dropWarning = oncePer(10_000);
  private timer: NodeJS.Timeout | null = null;
  /** The timer is the early one (set when the buffer filled up), so later messages leave it alone. */
  private timerEarly = false;
  private running: Promise<void> | null = null;
  private pruning: Promise<number> | null = null;
  /** Failed writes in a row: > 0 while the store fails, which also suspends early flushes. */
  private failures = 0;
  private stopped = false;

  constructor(ctx: FeatureContext, writerOptions: Pick<BatchWriterOptions<TelemetryTable>, 'driver' | 'maxWorkerDeaths'> = {}) {
    super(ctx, 'telemetry');
    const { storage } = ctx.config;
    this.queue = new WriteQueue(storage.telemetryBufferMax);
    // A database opened by openDb on a file can be shared with a thread; ':memory:' (or a wrapped one) cannot.
    const { file, writeLock } = storeHealth(ctx.db);
    this.writer = new BatchWriter<TelemetryTable>({
      name: 'telemetry',
      shared: storage.telemetryWriter === 'worker' && file && writeLock ? { file, lock: writeLock } : null,
      db: ctx.db,
      table: 'telemetry',
      columns: COLUMNS,
      rowsPerTransaction: ROWS_PER_INSERT,
      inThread: (rows) => ctx.db.insertInto('telemetry').values(rows as TelemetryTable[]).execute(),
      log: this.log,
      ...writerOptions,
    });
    this.pruneJob = new PeriodicJob({
      what: 'prune telemetry',
      log: this.log,
      intervalMs: storage.pruneIntervalMs,
      // A controller restarted more often than the interval still prunes.
      firstDelayMs: Math.min(storage.pruneIntervalMs, 60_000),
      run: async () => {
        await this.prune();
      },
    });
  }

  /** Counters for /api/metrics, with the writer's (mode, restarts). */
  get counters(): Readonly<TelemetryCounters> {
    return { ...this.own, ...this.writer.counters };
  }

  /** The writer thread, while one runs (for tests). */
  get writerThread() {
    return this.writer.thread;
  }

  /** Resolves when no write is in progress (without starting one). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Rows written since start (kept for callers of the first version). */
  get stored(): number {
    return this.own.stored;
  }

  /** Rows waiting to be written. */
  get buffered(): number {
    return this.queue.size;
  }

  override async start(): Promise<void> {
    this.ctx.bus.on('group.telemetry', this, ({ address, telemetry, receivedAt }) => {
      const dropped = this.queue.push({
        compound_id: address.compound,
        group_id: address.device,
        ts: telemetry.ts,
        received_at: receivedAt,
        watts: telemetry.watts,
        temperature_c: telemetry.temperatureC ?? null,
        energy_wh: telemetry.energyWh ?? null,
        faults_json: telemetry.faults.length > 0 ? JSON.stringify(telemetry.faults) : null,
      });
      if (dropped) this.onDrop();
      this.schedule();
    });
    this.pruneJob.start();
  }

  override async stop(): Promise<void> {
    await super.stop();
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.pruneJob.stop();
    await this.pruning?.catch(() => undefined);
    // Write what is left; a store that fails now gets one attempt, not the whole backoff.
    for (;;) {
      const failuresBefore = this.own.flushFailures;
      await this.flush();
      if (this.queue.size === 0 || this.own.flushFailures !== failuresBefore) break;
    }
    await this.writer.close();
    const lost = this.queue.clear();
    if (lost > 0) {
      this.own.dropped += lost;
      this.log.error({ rows: lost }, 'telemetry rows could not be stored before stop and are lost');
    }
  }

  /**
   * Writes what is buffered now and resolves when it is stored, or when a write failed (the rows stay
   * buffered for the retry). Never rejects.
   */
  async flush(): Promise<void> {
    if (this.running) await this.running;
    if (this.queue.size === 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.running ??= this.drain().finally(() => {
      this.running = null;
      this.schedule();
    });
    await this.running;
  }

  /**
   * Removes rows older than the retention, in chunks (the background job calls this every
   * `storage.pruneIntervalMs`); joins a prune in progress instead of starting a second. Resolves with the
   * number of rows removed; rejects when the store fails (the job logs and counts that).
   */
  prune(now = Date.now()): Promise<number> {
    this.pruning ??= this.pruneOnce(now).finally(() => {
      this.pruning = null;
    });
    return this.pruning;
  }

  private async pruneOnce(now: number): Promise<number> {
    const cutoff = now - this.ctx.config.storage.telemetryRetentionDays * 86_400_000;
    let rows: number;
    try {
      rows = await pruneOlderThan(this.ctx.db, 'telemetry', cutoff, {
        chunkRows: this.ctx.config.storage.pruneChunkRows,
        stopRequested: () => this.stopped,
      });
    } catch (err) {
      this.own.pruneFailures++;
      throw err;
    }
    this.own.pruned += rows;
    if (rows > 0) this.log.info({ rows, cutoff }, 'pruned old telemetry');
    return rows;
  }

  /** Sets the one flush timer: the interval, the backoff while failing, or at once when the buffer is full. */
  private schedule(): void {
    if (this.stopped || this.running || this.queue.size === 0) return;
    const early = this.failures === 0 && this.queue.size >= EARLY_FLUSH_ROWS;
    if (this.timer) {
      if (!early || this.timerEarly) return;
      clearTimeout(this.timer);
    }
    const { telemetryFlushMs } = this.ctx.config.storage;
    const delay = early ? 0 : this.failures > 0 ? backoffMs(this.failures, telemetryFlushMs, RETRY_MAX_MS) : telemetryFlushMs;
    this.timerEarly = early;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, delay);
    this.timer.unref();
  }

  /** Writes the rows waiting when it starts, chunk by chunk; stops at the first failure. */
  private async drain(): Promise<void> {
    let budget = this.queue.size;
    for (let i = 0; budget > 0; i++) {
      const chunk = this.queue.next(this.writer.rowsPerBatch);
      if (!chunk) return;
      // Each chunk is its own write, with a turn of the event loop in between, so acks and pushes are
      // never queued behind a long insert (in the main thread) or a long answer (from the writer thread).
      if (i > 0) await yieldToEventLoop();
      let failure: unknown = null;
      let stored = chunk.length;
      try {
        await this.writer.write(chunk, this.queue.inFlightFirst);
      } catch (err) {
        failure = err;
        stored = err instanceof BatchWriteError ? err.stored : 0;
      }
      if (stored > 0) {
        this.queue.done(stored);
        this.own.stored += stored;
        budget -= stored;
        // Rows for the bus only when someone listens: at thousands a second they are not free.
        if (this.ctx.bus.has('telemetry.batch')) {
          this.ctx.bus.emit('telemetry.batch', { rows: (stored === chunk.length ? chunk : chunk.slice(0, stored)).map(toBusRow) });
        }
      }
      if (failure) {
        this.failures++;
        this.own.flushFailures++;
        const retryInMs = backoffMs(this.failures, this.ctx.config.storage.telemetryFlushMs, RETRY_MAX_MS);
        this.log.error({ err: failure, buffered: this.queue.size, failuresInRow: this.failures, retryInMs }, 'could not store telemetry; rows kept, will retry');
        return;
      }
      if (this.failures > 0) this.log.info({ failuresInRow: this.failures }, 'telemetry is stored again');
      this.failures = 0;
    }
  }

  private onDrop(): void {
    this.own.dropped++;
    if (this.dropWarning()) {
      this.log.warn(
        { dropped: this.own.dropped, bufferMax: this.queue.max },
        'telemetry buffer full (the store is not keeping up or failing): dropping the oldest unstored rows',
      );
    }
  }
}

function toBusRow(r: TelemetryTable): TelemetryRow {
  return {
    compound: r.compound_id,
    group: r.group_id,
    ts: r.ts,
    receivedAt: r.received_at,
    watts: r.watts,
    temperatureC: r.temperature_c,
    energyWh: r.energy_wh,
    faults: r.faults_json ? (JSON.parse(r.faults_json) as string[]) : [],
  };
}
