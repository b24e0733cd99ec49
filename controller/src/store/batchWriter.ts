/**
 * Batched inserts off the main thread. A worker thread holds its own SQLite connection to the same file
 * (WAL: readers run beside the one writer) and stores each batch the main thread hands it in transactions
 * of at most `rowsPerTransaction` rows, each under the write lock it shares with the main thread
 * (store/writeLock.ts). A transaction is inserted 10 rows at a time and committed early when the main
 * thread is waiting for the lock, so a main-thread write waits for one short statement at most. The answer comes
 * after the last COMMIT and says how many rows are stored: rows are acknowledged only once committed, and
 * the caller keeps the rest for its retry. Rows are numbered in the order they are handed over; the count
 * stored so far is written in each transaction (`store_writers`), so rows stored by a worker that died
 * before answering are recognised by the next one instead of being stored twice. A worker that keeps dying
 * without storing anything is given up for writes in the main thread (`inThread`), as is a database no
 * thread can share (`:memory:`).
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Db } from './db.js';
import { WORKER_LOCK_SOURCE, type WriteLock } from './writeLock.js';
import { yieldToEventLoop } from './writeQueue.js';

export type WriterMode = 'worker' | 'in-thread';

export interface BatchWriterOptions<T> {
  /** Names the writer in `store_writers` and in logs ("telemetry"). */
  name: string;
  /** The database file and its write lock; null when no thread can share it (':memory:'): writes stay in-thread. */
  shared: { file: string; lock: WriteLock } | null;
  /** The main thread's connection: writes in-thread, and reads what a given-up worker stored. */
  db: Db;
  table: string;
  /** The row's columns, in the order the worker binds them. */
  columns: ReadonlyArray<keyof T & string>;
  /** Rows per transaction (and per main-thread insert); default 100. */
  rowsPerTransaction?: number;
  /** Rows the caller hands over per write when a worker writes; default 1000. */
  rowsPerBatch?: number;
  /** The main thread's insert of up to `rowsPerTransaction` rows, used when there is no worker. */
  inThread: (rows: readonly T[]) => Promise<unknown>;
  log: Logger;
  /** Worker deaths in a row, without a stored batch in between, before writes move to the main thread; default 3. */
  maxWorkerDeaths?: number;
  /** Module the worker loads as its SQLite driver; default better-sqlite3 (tests point it elsewhere). */
  driver?: string;
  /** SQL appended to the worker's INSERT, e.g. an `ON CONFLICT (…) DO UPDATE …` that makes writes duplicate-safe. */
  onConflict?: string;
}

export interface BatchWriterCounters {
  /** Workers started again after one died. */
  writerRestarts: number;
  writerMode: WriterMode;
}

/** A write that failed after storing the first `stored` rows of its batch (0 when nothing is known to be stored). */
export class BatchWriteError extends Error {
  override readonly name = 'BatchWriteError';
  constructor(
    message: string,
    readonly stored: number,
    readonly code?: string,
  ) {
    super(message);
  }
}

interface Answer {
  first: number;
  ok: boolean;
  /** Rows of the run stored once this batch's write ended. */
  upto: number;
  /** Rows found already stored (by a worker that died before answering). */
  skipped: number;
  error?: string;
  code?: string;
}

// Inline CommonJS worker, so it runs the same from sources (tests) and from the build.
const WORKER = `
  const { workerData, parentPort } = require('node:worker_threads');
  ${WORKER_LOCK_SOURCE}
  const Database = require(workerData.driver);
  const { file, table, columns, name, run, rowsPerTransaction, onConflict } = workerData;
  const db = new Database(file, { fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  db.pragma('synchronous = NORMAL');
  // Checkpoints are the checkpointer's (or, after its fallback, the main connection's).
  db.pragma('wal_autocheckpoint = 0');
  const width = columns.length;
  const row = '(' + columns.map(() => '?').join(', ') + ')';
  const inserts = [];
  const insertOf = (n) => (inserts[n] = inserts[n] || db.prepare('INSERT INTO ' + table + ' (' + columns.join(', ') + ') VALUES ' + new Array(n).fill(row).join(', ') + (onConflict ? ' ' + onConflict : '')));
  let progress = null;
  let mark = null;
  const storedSoFar = () => {
    progress = progress || db.prepare('SELECT run, stored FROM store_writers WHERE writer = ?');
    const r = progress.get(name);
    return r && r.run === run ? Number(r.stored) : null;
  };
  // Rows [at, end) of the message, in statements of STEP rows, up to rowsPerTransaction; stops early when the
  // main thread waits for the lock, so it waits for one short statement, not a whole transaction.
  const STEP = 10;
  const insert = db.transaction((first, at, end, values) => {
    const stop = Math.min(end, at + rowsPerTransaction);
    while (at < stop) {
      const k = Math.min(STEP, stop - at);
      const from = (at - first) * width;
      insertOf(k).run(values.slice(from, from + k * width));
      at += k;
      if (Atomics.load(lockWords, 1) > 0) break;
    }
    mark = mark || db.prepare('INSERT INTO store_writers (writer, run, stored) VALUES (?, ?, ?) ON CONFLICT (writer) DO UPDATE SET run = excluded.run, stored = excluded.stored');
    mark.run(name, run, at);
    return at;
  });
  parentPort.on('message', (m) => {
    if (m === 'close') {
      db.close();
      process.exit(0);
    }
    const { first, n, values } = m;
    const end = first + n;
    let upto = first;
    let skipped = 0;
    try {
      const known = storedSoFar();
      if (known !== null && known > first) {
        upto = Math.min(end, known);
        skipped = upto - first;
      }
      while (upto < end) {
        lock();
        try {
          upto = insert.immediate(first, upto, end, values);
        } finally {
          unlock();
        }
      }
      parentPort.postMessage({ first, ok: true, upto, skipped });
    } catch (e) {
      parentPort.postMessage({ first, ok: false, upto, skipped, error: String((e && e.message) || e), code: e && e.code });
    }
  });
`;

export class BatchWriter<T> {
  readonly counters: BatchWriterCounters;
  private worker: Worker | null = null;
  private pending: { first: number; resolve: () => void; reject: (err: Error) => void } | null = null;
  private deathsInRow = 0;
  private spawned = 0;
  /** After a fallback, the first in-thread write looks up what the workers stored. */
  private workersChecked = false;
  private closing = false;
  private readonly run = randomUUID();
  private readonly driver: string;
  private readonly perTransaction: number;

  constructor(private readonly options: BatchWriterOptions<T>) {
    this.counters = { writerRestarts: 0, writerMode: options.shared ? 'worker' : 'in-thread' };
    this.driver = options.driver ?? createRequire(import.meta.url).resolve('better-sqlite3');
    this.perTransaction = options.rowsPerTransaction ?? 100;
  }

  get mode(): WriterMode {
    return this.counters.writerMode;
  }

  /** Rows to hand over per write: a worker takes many transactions' worth at once. */
  get rowsPerBatch(): number {
    return this.mode === 'worker' ? (this.options.rowsPerBatch ?? 1000) : this.perTransaction;
  }

  /** The running worker, if any (for tests). */
  get thread(): Worker | null {
    return this.worker;
  }

  /**
   * Stores `rows`, which are rows `first`, `first + 1`, … of the run (numbered in the order they are handed
   * over; a retry passes the unstored rest with its numbers). Resolves once all are committed; rejects with
   * a BatchWriteError that says how many of them were stored. One write at a time.
   */
  write(rows: readonly T[], first: number): Promise<void> {
    if (this.mode === 'in-thread') return this.writeInThread(rows, first);
    if (this.pending) return Promise.reject(new Error(`${this.options.name} writer: one write at a time`));
    const worker = this.worker ?? this.spawn();
    const { columns } = this.options;
    const values: unknown[] = new Array(rows.length * columns.length);
    let k = 0;
    for (const r of rows) for (const c of columns) values[k++] = r[c];
    return new Promise<void>((resolve, reject) => {
      this.pending = { first, resolve, reject };
      // Referenced while rows are out, so a process with nothing else to do waits for the answer.
      worker.ref();
      worker.postMessage({ first, n: rows.length, values });
    });
  }

  /** Ends the worker (after the last write has been answered). */
  async close(): Promise<void> {
    this.closing = true;
    const worker = this.worker;
    if (!worker) return;
    const exited = once(worker, 'exit');
    worker.ref();
    worker.postMessage('close');
    const timer = setTimeout(() => void worker.terminate(), 5000);
    await exited.catch(() => undefined);
    clearTimeout(timer);
  }

  private async writeInThread(rows: readonly T[], first: number): Promise<void> {
    let done = 0;
    // Workers ran before: rows they stored without answering are not stored again.
    if (this.spawned > 0 && !this.workersChecked) {
      const progress = await this.options.db.selectFrom('store_writers').select(['run', 'stored']).where('writer', '=', this.options.name).executeTakeFirst();
      this.workersChecked = true;
      if (progress && progress.run === this.run) done = Math.min(rows.length, Math.max(0, Number(progress.stored) - first));
    }
    for (let i = 0; done < rows.length; i++) {
      // Each insert is its own short write, with a turn of the event loop in between.
      if (i > 0) await yieldToEventLoop();
      const part = done === 0 && rows.length <= this.perTransaction ? rows : rows.slice(done, done + this.perTransaction);
      try {
        await this.options.inThread(part);
      } catch (err) {
        const e = err as Error & { code?: string };
        throw new BatchWriteError(e.message, done, e.code);
      }
      done += part.length;
    }
  }

  private spawn(): Worker {
    const { shared, table, columns, name } = this.options;
    const worker = new Worker(WORKER, {
      eval: true,
      workerData: {
        driver: this.driver,
        file: shared!.file,
        lock: shared!.lock.buffer,
        table,
        columns,
        name,
        run: this.run,
        rowsPerTransaction: this.perTransaction,
        onConflict: this.options.onConflict ?? '',
      },
    });
    worker.unref();
    if (this.spawned++ > 0) this.counters.writerRestarts++;
    this.worker = worker;
    worker.on('message', (answer: Answer) => this.onAnswer(worker, answer));
    worker.on('error', (err) => {
      if (worker === this.worker) this.options.log.error({ err, writer: name }, 'writer thread failed');
    });
    worker.on('exit', (code) => this.onExit(worker, code));
    return worker;
  }

  private onAnswer(worker: Worker, answer: Answer): void {
    const p = this.pending;
    if (worker !== this.worker || !p || p.first !== answer.first) return;
    this.pending = null;
    worker.unref();
    if (answer.skipped > 0) {
      this.options.log.info({ writer: this.options.name, rows: answer.skipped }, 'rows were stored before their writer thread stopped; not stored again');
    }
    if (!answer.ok) {
      p.reject(new BatchWriteError(answer.error ?? 'write failed', answer.upto - answer.first, answer.code));
      return;
    }
    this.deathsInRow = 0;
    p.resolve();
  }

  private onExit(worker: Worker, code: number): void {
    if (worker !== this.worker) return;
    this.worker = null;
    // It may have died inside a transaction.
    this.options.shared?.lock.releaseWorker();
    const p = this.pending;
    this.pending = null;
    if (this.closing && !p) return;
    this.deathsInRow++;
    if (this.deathsInRow >= (this.options.maxWorkerDeaths ?? 3)) {
      this.counters.writerMode = 'in-thread';
      this.options.log.error({ writer: this.options.name, code, deathsInRow: this.deathsInRow }, 'writer thread keeps stopping; writing in the main thread from now on');
    } else {
      this.options.log.warn({ writer: this.options.name, code }, 'writer thread stopped; a new one takes the next write');
    }
    // What it stored before dying is unknown here; the next write finds it in store_writers.
    p?.reject(new BatchWriteError(`${this.options.name} writer thread stopped (exit code ${code}) before answering`, 0));
  }
}
