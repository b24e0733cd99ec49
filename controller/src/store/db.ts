/**
 * The store: one typed SQL layer (Kysely) over SQLite by default. Nothing outside `store/` writes SQL,
 * and nothing here uses SQLite-only SQL, so PostgreSQL can replace SQLite by swapping the dialect.
 */
import { mkdirSync } from 'node:fs';
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
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    await db.destroy();
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`database migration ${failed} failed: ${(error as Error).message}`);
  }
  return db;
}
