/**
 * WAL checkpoints in a worker thread. SQLite's automatic checkpoint runs inside whichever commit crosses
 * the threshold and stalls acks and pushes; here a worker with its own connection runs
 * `wal_checkpoint(PASSIVE)` every few seconds instead. The worker reports each checkpoint; failures are
 * logged and counted, a dead or failing worker is restarted with backoff, and one that keeps failing is
 * given up for SQLite's own checkpoint in the writer's thread (`onFallback`), so the WAL never grows
 * without bound.
 */
import { EventEmitter, once } from 'node:events';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { backoffMs } from './writeQueue.js';

export interface CheckpointerOptions {
  /** The database file. */
  file: string;
  log: Logger;
  /** Called once when the worker is given up: re-enable the automatic checkpoint on the writer's connection. */
  onFallback: () => void;
  /** Default 2000. */
  intervalMs?: number;
  /** Failed checkpoints in a row before the worker is restarted; default 3. */
  maxFailures?: number;
  /** Restarts without a successful checkpoint in between before falling back; default 3. */
  maxRestarts?: number;
  /** Module the worker loads as its SQLite driver; default better-sqlite3 (tests point it elsewhere). */
  driver?: string;
}

export interface CheckpointerCounters {
  checkpoints: number;
  checkpointFailures: number;
  checkpointerRestarts: number;
  /** `worker` while the thread runs; `in-thread` after the fallback to SQLite's automatic checkpoint. */
  checkpointMode: 'worker' | 'in-thread';
}

interface WorkerReport {
  ok: boolean;
  error?: string;
  busy?: number;
  log?: number;
  checkpointed?: number;
}

// Inline CommonJS worker, so it runs the same from sources (tests) and from the build.
const WORKER = `
  const { workerData, parentPort } = require('node:worker_threads');
  const Database = require(workerData.driver);
  const db = new Database(workerData.file, { fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  const checkpoint = () => {
    try {
      const [r] = db.pragma('wal_checkpoint(PASSIVE)');
      parentPort.postMessage({ ok: true, busy: r.busy, log: r.log, checkpointed: r.checkpointed });
    } catch (e) {
      parentPort.postMessage({ ok: false, error: String((e && e.message) || e) });
    }
  };
  const timer = setInterval(checkpoint, workerData.intervalMs);
  parentPort.on('message', () => { clearInterval(timer); checkpoint(); db.close(); process.exit(0); });
`;

export class Checkpointer extends EventEmitter<{ checkpoint: [WorkerReport]; failure: [Error]; restart: []; fallback: [] }> {
  readonly counters: CheckpointerCounters = { checkpoints: 0, checkpointFailures: 0, checkpointerRestarts: 0, checkpointMode: 'worker' };
  private current: Worker | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private stopping = false;
  private failuresInRow = 0;
  private restartsInRow = 0;
  private readonly intervalMs: number;
  private readonly driver: string;
  /** Workers being terminated: their last reports, already in flight, are not counted. */
  private readonly retired = new WeakSet<Worker>();

  constructor(private readonly options: CheckpointerOptions) {
    super();
    this.intervalMs = options.intervalMs ?? 2000;
    this.driver = options.driver ?? createRequire(import.meta.url).resolve('better-sqlite3');
    this.spawn();
  }

  /** The running worker, if any (for diagnostics and tests). */
  get worker(): Worker | null {
    return this.current;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    const worker = this.current;
    if (!worker) return;
    const exited = once(worker, 'exit');
    // Referenced while stopping, so a process with nothing else to do waits for the store to close.
    worker.ref();
    worker.postMessage('stop');
    // A worker stuck in a checkpoint must not hold up the stop for long.
    const timer = setTimeout(() => void worker.terminate(), 5000);
    await exited.catch(() => undefined);
    clearTimeout(timer);
  }

  private spawn(): void {
    const worker = new Worker(WORKER, { eval: true, workerData: { driver: this.driver, file: this.options.file, intervalMs: this.intervalMs } });
    worker.unref();
    this.current = worker;
    worker.on('message', (report: WorkerReport) => this.onReport(worker, report));
    worker.on('error', (err) => this.onFailure(worker, err));
    worker.on('exit', (code) => this.onExit(worker, code));
  }

  private onReport(worker: Worker, report: WorkerReport): void {
    if (this.retired.has(worker)) return;
    if (report.ok) {
      this.counters.checkpoints++;
      this.failuresInRow = 0;
      this.restartsInRow = 0;
      this.emit('checkpoint', report);
      return;
    }
    this.onFailure(worker, new Error(report.error ?? 'checkpoint failed'));
  }

  private onFailure(worker: Worker, err: Error): void {
    if (this.retired.has(worker)) return;
    this.counters.checkpointFailures++;
    this.failuresInRow++;
    this.options.log.error({ err, failuresInRow: this.failuresInRow }, 'WAL checkpoint failed');
    this.emit('failure', err);
    // A worker that keeps failing is replaced (a fresh connection may fix it); its exit starts the next.
    if (this.failuresInRow >= (this.options.maxFailures ?? 3) && worker === this.current) {
      this.retired.add(worker);
      void worker.terminate();
    }
  }

  private onExit(worker: Worker, code: number): void {
    if (worker !== this.current) return;
    this.current = null;
    if (this.stopping) return;
    this.failuresInRow = 0;
    this.restartsInRow++;
    if (this.restartsInRow > (this.options.maxRestarts ?? 3)) {
      this.fallBack();
      return;
    }
    const delay = backoffMs(this.restartsInRow, this.intervalMs, 60_000);
    this.options.log.warn({ code, restartInMs: delay, restartsInRow: this.restartsInRow }, 'WAL checkpointer stopped; restarting it');
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.stopping) return;
      this.counters.checkpointerRestarts++;
      this.spawn();
      this.emit('restart');
    }, delay);
    this.restartTimer.unref();
  }

  private fallBack(): void {
    this.counters.checkpointMode = 'in-thread';
    this.options.log.error(
      { restarts: this.counters.checkpointerRestarts, failures: this.counters.checkpointFailures },
      'WAL checkpointer keeps failing; SQLite checkpoints in the writer thread from now on',
    );
    try {
      this.options.onFallback();
    } catch (err) {
      this.options.log.error({ err }, 'could not re-enable the automatic WAL checkpoint');
    }
    this.emit('fallback');
  }
}
