/**
 * The store: one typed SQL layer (Kysely) over SQLite by default. Nothing outside `store/` writes SQL,
 * and nothing here uses SQLite-only SQL, so PostgreSQL can replace SQLite by swapping the dialect.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { pino, type Logger } from 'pino';
import type { Database } from './schema.js';
import { migrationProvider } from './migrations.js';
import { Checkpointer, type CheckpointerCounters, type CheckpointerOptions } from './checkpointer.js';
import { WriteLock, type WriteLockCounters } from './writeLock.js';

export type Db = Kysely<Database>;

export interface OpenOptions {
  /** File path, or ':memory:'. */
  file: string;
  /** For the store's own warnings (checkpointer); default silent. */
  log?: Logger;
  /** Checkpointer tuning (tests make it fast or point it at a bad driver). */
  checkpointer?: Omit<CheckpointerOptions, 'file' | 'log' | 'onFallback'>;
}

/** The store's background machinery, per open database: counters for /api/metrics and the checkpointer. */
export interface StoreHealth {
  /** The database file; null for ':memory:' (nothing else can open it). */
  file: string | null;
  /** Taken by the main connection around each write, and by the telemetry writer thread (file databases). */
  writeLock: WriteLock | null;
  checkpointer: Checkpointer | null;
  counters(): (CheckpointerCounters | { checkpointMode: 'none' }) & Partial<WriteLockCounters>;
}

const health = new WeakMap<Db, StoreHealth>();

/** The checkpointer and its counters of a database opened with openDb(). */
export function storeHealth(db: Db): StoreHealth {
  return health.get(db) ?? { file: null, writeLock: null, checkpointer: null, counters: () => ({ checkpointMode: 'none' }) };
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
  // slow disk. They run in a background thread instead of inside whichever commit crosses the threshold;
  // if that thread keeps failing, SQLite's automatic checkpoint (1000 pages, its default) comes back.
  const log = options.log ?? pino({ level: 'silent' });
  const checkpointer =
    options.file === ':memory:'
      ? null
      : new Checkpointer({
          ...options.checkpointer,
          file: options.file,
          log,
          onFallback: () => sqlite.pragma('wal_autocheckpoint = 1000'),
        });
  if (checkpointer) sqlite.pragma('wal_autocheckpoint = 0');
  const file = options.file === ':memory:' ? null : options.file;
  const writeLock = file ? new WriteLock() : null;
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite, writeLock) }) });
  health.set(db, {
    file,
    writeLock,
    checkpointer,
    counters: () => ({
      ...(checkpointer ? checkpointer.counters : { checkpointMode: 'none' as const }),
      ...(writeLock
        ? {
            writeLockWaits: writeLock.counters.writeLockWaits,
            writeLockWaitMs: Math.round(writeLock.counters.writeLockWaitMs),
            writeLockWaitMaxMs: Math.round(writeLock.counters.writeLockWaitMaxMs * 100) / 100,
          }
        : {}),
    }),
  });
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
 * Another connection writes too (the telemetry writer thread), so:
 * - transactions begin IMMEDIATE: a deferred one that reads, then writes after the other connection
 *   committed, fails at once with SQLITE_BUSY instead of waiting (busy_timeout only covers taking the
 *   lock up front);
 * - every write statement, or write transaction, holds `lock` (store/writeLock.ts) while it runs.
 */
function withStatementCache(sqlite: SqliteDatabase.Database, lock: WriteLock | null, limit = 256): SqliteDatabase.Database {
  type Stmt = Pick<SqliteDatabase.Statement, 'reader' | 'run' | 'all' | 'iterate'>;
  const cache = new Map<string, Stmt>();
  /** The main connection holds the lock (from a write's start, or a transaction's, to its end). */
  let holding = false;
  const guarded =
    <F extends (...params: unknown[]) => unknown>(l: WriteLock, fn: F) =>
    (...params: unknown[]) => {
      if (!holding) holding = l.acquire();
      try {
        return fn(...params);
      } finally {
        if (holding && !sqlite.inTransaction) {
          holding = false;
          l.release();
        }
      }
    };
  const locked = (stmt: SqliteDatabase.Statement, l: WriteLock): Stmt => ({
    reader: stmt.reader,
    run: guarded(l, stmt.run.bind(stmt)) as Stmt['run'],
    all: guarded(l, stmt.all.bind(stmt)) as Stmt['all'],
    iterate: stmt.iterate.bind(stmt),
  });
  // Writes (an INSERT … RETURNING too) and transaction control, which SQLite calls read-only.
  const writes = (stmt: SqliteDatabase.Statement, source: string) => !stmt.readonly || /^\s*(begin|commit|end|rollback)\b/i.test(source);
  const prepare = (text: string): Stmt => {
    const source = text === 'begin' ? 'begin immediate' : text;
    let stmt = cache.get(source);
    if (stmt) {
      cache.delete(source);
      cache.set(source, stmt);
      return stmt;
    }
    const prepared = sqlite.prepare(source);
    stmt = lock && writes(prepared, source) ? locked(prepared, lock) : prepared;
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
