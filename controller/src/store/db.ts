/**
 * The store: one typed SQL layer (Kysely) over SQLite by default. Nothing outside `store/` writes SQL,
 * and nothing here uses SQLite-only SQL, so PostgreSQL can replace SQLite by swapping the dialect.
 */
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import type { Database } from './schema.js';
import { migrationProvider } from './migrations.js';

export type Db = Kysely<Database>;

export interface OpenOptions {
  /** File path, or ':memory:'. */
  file: string;
}

export async function openDb(options: OpenOptions): Promise<Db> {
  if (options.file !== ':memory:') mkdirSync(dirname(options.file), { recursive: true });
  const sqlite = new SqliteDatabase(options.file);
  // Connection settings of the SQLite driver, not SQL features: WAL lets readers run beside the writer;
  // NORMAL sync is durable across process crashes (a power loss may lose the last transaction).
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  // Checkpoints copy the WAL into the database and fsync it, which can stall for hundreds of ms on a
  // slow disk. They run in a background thread instead of inside whichever commit crosses the threshold.
  const checkpointer = options.file === ':memory:' ? null : startCheckpointer(options.file);
  if (checkpointer) sqlite.pragma('wal_autocheckpoint = 0');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  // Stop the checkpointer before the last connection closes (closing checkpoints once more itself).
  if (checkpointer) {
    const destroy = db.destroy.bind(db);
    db.destroy = async () => {
      await checkpointer.stop();
      await destroy();
    };
  }
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    await db.destroy();
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`database migration ${failed} failed: ${(error as Error).message}`);
  }
  return db;
}

/**
 * Kysely's SQLite driver prepares every query anew; preparing costs more than running a small insert.
 * This keeps the most recent prepared statements by SQL text (bounded), so the hot queries (telemetry
 * batches, ack updates, presses) are prepared once. Statements are never iterated (no streaming), so
 * a cached statement is never busy when reused.
 */
function withStatementCache(sqlite: SqliteDatabase.Database, limit = 256): SqliteDatabase.Database {
  const cache = new Map<string, SqliteDatabase.Statement>();
  const prepare = (source: string): SqliteDatabase.Statement => {
    let stmt = cache.get(source);
    if (stmt) {
      cache.delete(source);
      cache.set(source, stmt);
      return stmt;
    }
    stmt = sqlite.prepare(source);
    cache.set(source, stmt);
    if (cache.size > limit) cache.delete(cache.keys().next().value as string);
    return stmt;
  };
  return new Proxy(sqlite, {
    get(target, prop, receiver) {
      if (prop === 'prepare') return prepare;
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** Runs `PRAGMA wal_checkpoint(PASSIVE)` every few seconds on a connection of its own, in a worker thread. */
function startCheckpointer(file: string, intervalMs = 2000): { stop(): Promise<void> } {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  // Inline CommonJS worker, so it runs the same from sources (tests) and from the build.
  const code = `
    const { workerData, parentPort } = require('node:worker_threads');
    const Database = require(workerData.driver);
    const db = new Database(workerData.file);
    db.pragma('busy_timeout = 5000');
    const timer = setInterval(() => { try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {} }, workerData.intervalMs);
    parentPort.on('message', () => { clearInterval(timer); try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {} db.close(); process.exit(0); });
  `;
  const worker = new Worker(code, { eval: true, workerData: { driver, file, intervalMs } });
  worker.unref();
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        worker.once('exit', () => resolve());
        worker.postMessage('stop');
      }),
  };
}
