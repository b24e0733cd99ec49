/**
 * Points on their way to the metrics store. The bus listeners only push into an in-memory buffer: the live
 * ingest path never waits for the store. Batches leave by size (`batchPoints`) or time (`flushMs`), with up
 * to `concurrency` writes in flight (InfluxDB: 2, so the next batch is serialised while the server takes the
 * last; SQLite: 1). A batch the store refuses goes to the on-disk outbox, and so does every later batch
 * until the outbox is empty again, so points reach the store in the order they were taken; the outbox is
 * replayed oldest first with backoff. A store that is slow rather than down holds the buffer up: past
 * `bufferMaxPoints` the buffer spills to the outbox instead of growing.
 */
import type { Logger } from 'pino';
import { backoffMs } from '../../store/writeQueue.js';
import type { MetricPoint } from './catalog.js';
import type { MetricsStore } from './metricsStore.js';
import type { Outbox } from './outbox.js';

export interface WriterOptions {
  batchPoints: number;
  /** Writes in flight at once: the next batch is serialised while the store takes the last one. */
  concurrency: number;
  flushMs: number;
  bufferMaxPoints: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

export interface WriterCounters {
  /** Points taken from the bus since start. */
  taken: number;
  /** Points the store accepted, straight or replayed. */
  written: number;
  /** Of those, points replayed from the outbox. */
  replayed: number;
  /** Writes the store refused or did not answer in time. */
  writeFailures: number;
  /** Points put in the outbox. */
  spilled: number;
  buffered: number;
}

export class MetricsWriter {
  readonly counters: WriterCounters = { taken: 0, written: 0, replayed: 0, writeFailures: 0, spilled: 0, buffered: 0 };
  private buffer: MetricPoint[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** The timer is the immediate one (a full batch waits). */
  private timerNow = false;
  private flushing: Promise<void> | null = null;
  private replaying: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private wakeReplay: (() => void) | null = null;
  private failuresInRow = 0;
  private stopped = false;
  /** False until the store has started (InfluxDB reachable and set up): batches wait in the outbox. */
  ready = false;

  constructor(
    private readonly store: MetricsStore,
    private readonly outbox: Outbox,
    private readonly options: WriterOptions,
    private readonly log: Logger,
    /** Called after a replay emptied the outbox, with the time range it covered (to recompute roll-ups). */
    private readonly onReplayed: (from: number, to: number) => Promise<void> = async () => undefined,
  ) {}

  /** Takes a point (no I/O here). */
  push(point: MetricPoint): void {
    if (this.stopped) return;
    this.buffer.push(point);
    this.counters.taken++;
    this.counters.buffered = this.buffer.length;
    // A running drain takes what arrives meanwhile; otherwise one timer, brought forward once when a batch is full.
    if (this.flushing) return;
    if (this.buffer.length >= this.options.batchPoints) {
      if (!this.timerNow) this.schedule(0);
    } else if (!this.timer) this.schedule(this.options.flushMs);
  }

  /** Points not yet written anywhere (memory). */
  get buffered(): number {
    return this.buffer.length;
  }

  /** Whether points are waiting in the outbox, or a replay is running. */
  get backlogged(): boolean {
    return this.outbox.points > 0 || this.replaying !== null;
  }

  /** Writes what is buffered now; resolves when it is in the store or the outbox. Never rejects. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerNow = false;
    if (this.buffer.length === 0) return;
    this.flushing = this.drain().finally(() => {
      this.flushing = null;
      if (this.buffer.length > 0 && !this.stopped) this.schedule(this.buffer.length >= this.options.batchPoints ? 0 : this.options.flushMs);
    });
    await this.flushing;
  }

  /** Starts replaying the outbox if it holds anything (after start, and after the store came back). */
  kick(): void {
    if (this.stopped || !this.ready || this.outbox.points === 0 || this.replaying) return;
    this.replaying = this.replay().finally(() => {
      this.replaying = null;
      // A batch spilled while the replay was finishing.
      this.kick();
    });
  }

  /** Resolves when the outbox is empty and nothing is buffered (tests and the benchmark). */
  async idle(): Promise<void> {
    for (;;) {
      await this.flush();
      if (this.replaying) await this.replaying;
      if (this.buffer.length === 0 && !this.flushing && !this.replaying && (this.outbox.points === 0 || !this.ready)) return;
      this.kick();
      if (!this.replaying) return;
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    // Buffered points get one write; what the store does not take waits in the outbox for the next start.
    await this.flush();
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.wakeReplay?.();
    await this.replaying;
  }

  private schedule(delayMs: number): void {
    if (this.timer) {
      if (delayMs > 0 || this.timerNow) return;
      clearTimeout(this.timer);
    }
    this.timerNow = delayMs === 0;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerNow = false;
      void this.flush();
    }, delayMs);
    this.timer.unref();
  }

  private async drain(): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    while (this.buffer.length > 0 || inFlight.size > 0) {
      if (this.buffer.length === 0 || inFlight.size >= this.options.concurrency) {
        await Promise.race(inFlight);
        continue;
      }
      const batch = this.buffer.length <= this.options.batchPoints ? this.buffer : this.buffer.slice(0, this.options.batchPoints);
      this.buffer = batch === this.buffer ? [] : this.buffer.slice(batch.length);
      this.counters.buffered = this.buffer.length;
      if (!this.ready || this.backlogged) {
        // Behind the outbox: the writes still out finish first, so the outbox keeps the order.
        await Promise.all(inFlight);
        await this.spill(batch);
        continue;
      }
      const write: Promise<void> = this.writeOrSpill(batch).finally(() => inFlight.delete(write));
      inFlight.add(write);
    }
  }

  private async writeOrSpill(batch: readonly MetricPoint[]): Promise<void> {
    if (await this.tryWrite(batch)) {
      this.counters.written += batch.length;
      return;
    }
    await this.spill(batch);
    this.kick();
  }

  /** One write; false when it failed (counted, logged). Past the buffer's bound while it runs, the buffer spills. */
  private async tryWrite(batch: readonly MetricPoint[]): Promise<boolean> {
    const watch = setInterval(() => {
      if (this.buffer.length > this.options.bufferMaxPoints) void this.spillBuffer();
    }, 50);
    watch.unref();
    try {
      await this.store.write(batch);
      if (this.failuresInRow > 0) this.log.info({ failuresInRow: this.failuresInRow }, 'metrics store takes points again');
      this.failuresInRow = 0;
      return true;
    } catch (err) {
      this.counters.writeFailures++;
      this.failuresInRow++;
      if (this.failuresInRow === 1 || this.failuresInRow % 20 === 0) {
        this.log.error({ err, points: batch.length, failuresInRow: this.failuresInRow }, 'metrics store refused a batch; it waits in the outbox');
      }
      return false;
    } finally {
      clearInterval(watch);
    }
  }

  /** A slow store: the buffer moves to the outbox rather than grow. */
  private spilling: Promise<void> | null = null;
  private spillBuffer(): Promise<void> {
    this.spilling ??= (async () => {
      while (this.buffer.length > this.options.bufferMaxPoints) {
        const part = this.buffer.slice(0, this.options.batchPoints);
        this.buffer = this.buffer.slice(part.length);
        this.counters.buffered = this.buffer.length;
        await this.spill(part);
      }
    })().finally(() => {
      this.spilling = null;
    });
    return this.spilling;
  }

  private async spill(batch: readonly MetricPoint[]): Promise<void> {
    try {
      await this.outbox.append(batch);
      this.counters.spilled += batch.length;
    } catch (err) {
      this.log.error({ err, points: batch.length }, 'could not put metrics points in the outbox; they are lost');
    }
  }

  private async replay(): Promise<void> {
    let from = Infinity;
    let to = -Infinity;
    while (!this.stopped) {
      // New points wait behind the outbox, so it only ever empties with nothing buffered behind it.
      if (this.spilling) await this.spilling;
      const batch = await this.outbox.peek().catch((err: unknown) => {
        this.log.error({ err }, 'could not read the metrics outbox');
        return null;
      });
      if (!batch) break;
      if (await this.tryWrite(batch.points)) {
        await this.outbox.remove(batch);
        this.counters.written += batch.points.length;
        this.counters.replayed += batch.points.length;
        from = Math.min(from, batch.minTs);
        to = Math.max(to, batch.maxTs);
        continue;
      }
      await new Promise<void>((resolve) => {
        this.wakeReplay = resolve;
        this.retryTimer = setTimeout(resolve, backoffMs(this.failuresInRow, this.options.retryBaseMs, this.options.retryMaxMs));
        this.retryTimer.unref();
      });
      this.wakeReplay = null;
      this.retryTimer = null;
    }
    if (from <= to && this.outbox.points === 0) {
      this.log.info({ replayed: this.counters.replayed, from, to }, 'metrics outbox replayed');
      await this.onReplayed(from, to + 1).catch((err: unknown) => this.log.warn({ err }, 'could not recompute roll-ups after the replay'));
    }
  }
}
