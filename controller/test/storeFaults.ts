/**
 * Helpers for tests of the store's background writers: a feature context on a real SQLite file, store
 * failures injected for real (a table renamed away inside a transaction, so every statement on it fails
 * with "no such table" until it is renamed back), and a logger whose lines a test can wait for.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { pino, type Logger } from 'pino';
import { resolveConfig, type ConfigInput } from '@caideng/controller';
import { EventBus } from '../src/bus/eventBus.js';
import { openDb, type Db, type OpenOptions } from '../src/store/db.js';
import type { FeatureContext } from '../src/features/feature.js';
import { tempDir } from './helpers.js';

export interface LogLine {
  level: number;
  msg: string;
  module?: string;
  [key: string]: unknown;
}

/** A pino logger writing JSON lines into memory; `waitFor` resolves with the first line (past or future) that matches. */
export class LogWatch {
  readonly lines: LogLine[] = [];
  private readonly waiters: Array<{ match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }> = [];
  readonly log: Logger;

  constructor(level: pino.LevelWithSilent = 'info') {
    const sink = new Writable({
      write: (chunk: Buffer, _enc, done) => {
        for (const text of chunk.toString().split('\n')) {
          if (!text) continue;
          const line = JSON.parse(text) as LogLine;
          this.lines.push(line);
          for (const w of [...this.waiters]) {
            if (w.match(line)) {
              this.waiters.splice(this.waiters.indexOf(w), 1);
              w.resolve(line);
            }
          }
        }
        done();
      },
    });
    this.log = pino({ level }, sink);
  }

  waitFor(match: string | ((l: LogLine) => boolean), timeoutMs = 10_000): Promise<LogLine> {
    const fn = typeof match === 'string' ? (l: LogLine) => l.msg.includes(match) : match;
    const seen = this.lines.find(fn);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no log line ${String(match)} within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        match: fn,
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
      });
    });
  }

  count(match: string): number {
    return this.lines.filter((l) => l.msg.includes(match)).length;
  }
}

export interface TestContext extends FeatureContext {
  dataDir: string;
  watch: LogWatch;
  dispose(): Promise<void>;
}

/** A feature context on a fresh SQLite file, with a real bus and a watched logger. */
export async function openTestContext(config: ConfigInput = {}, options: { db?: Partial<OpenOptions>; dataDir?: string } = {}): Promise<TestContext> {
  const dataDir = options.dataDir ?? tempDir('caideng-store-');
  const watch = new LogWatch('debug');
  const db = await openDb({ file: join(dataDir, 'caideng.sqlite'), log: watch.log, ...options.db });
  return {
    config: resolveConfig({ dataDir, ...config }),
    log: watch.log,
    db,
    bus: new EventBus(watch.log),
    dataDir,
    watch,
    async dispose() {
      await db.destroy();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Makes the given tables unavailable (renamed to `<name>_away`) in one transaction. */
export async function takeAway(db: Db, ...tables: string[]): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (const t of tables) await sql.raw(`ALTER TABLE ${t} RENAME TO ${t}_away`).execute(trx);
  });
}

/** Brings tables taken away with takeAway() back. */
export async function bringBack(db: Db, ...tables: string[]): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (const t of tables) await sql.raw(`ALTER TABLE ${t}_away RENAME TO ${t}`).execute(trx);
  });
}

/** Resolves after the microtasks queued so far (a store round trip here is promise-only) have run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
