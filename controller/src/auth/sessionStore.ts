/**
 * The session store behind @fastify/session: sessions live in SQLite, so they survive a restart and
 * "sign out everywhere" is one DELETE. The store keys rows by the SHA-256 of the session id; reading the
 * database does not hand anyone a live session. A session ends after `idleMs` without use or `maxMs`
 * after sign-in, whichever comes first; use is written at most once a minute.
 */
import { createHash } from 'node:crypto';
import type { SessionStore } from '@fastify/session';
import type { Session } from 'fastify';
import type { Logger } from 'pino';
import type { Db } from '../store/db.js';

declare module 'fastify' {
  interface Session {
    /** The signed-in username. */
    user?: string;
    /** Sign-in time, epoch ms: the absolute lifetime counts from here. */
    createdAt?: number;
  }
}

type Callback = (err?: unknown) => void;
type GetCallback = (err: unknown, session?: Session | null) => void;

const TOUCH_MS = 60_000;

export function sessionKey(sessionId: string): string {
  return createHash('sha256').update(sessionId).digest('hex');
}

export class SqliteSessionStore implements SessionStore {
  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    private readonly idleMs: number,
    private readonly maxMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  set(sessionId: string, session: Session, callback: Callback): void {
    const username = typeof session.user === 'string' ? session.user : null;
    // Only signed-in sessions are kept (saveUninitialized is off, so an anonymous one never gets here).
    if (!username) return callback();
    const now = this.now();
    const createdAt = typeof session.createdAt === 'number' ? session.createdAt : now;
    const id_hash = sessionKey(sessionId);
    const data = JSON.stringify(session);
    this.db
      .insertInto('sessions')
      .values({ id_hash, username, created_at: createdAt, last_seen: now, data })
      .onConflict((oc) => oc.column('id_hash').doUpdateSet({ data, last_seen: now, username }))
      .execute()
      .then(() => callback(), callback);
  }

  get(sessionId: string, callback: GetCallback): void {
    void this.read(sessionKey(sessionId)).then(
      (s) => callback(null, s),
      (err: unknown) => callback(err),
    );
  }

  destroy(sessionId: string, callback: Callback): void {
    this.db
      .deleteFrom('sessions')
      .where('id_hash', '=', sessionKey(sessionId))
      .execute()
      .then(() => callback(), callback);
  }

  /** The session stored under a hashed id, or null when there is none or it has expired (then it is deleted). */
  async read(idHash: string): Promise<Session | null> {
    const row = await this.db.selectFrom('sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
    if (!row) return null;
    const now = this.now();
    if (now - row.last_seen >= this.idleMs || now - row.created_at >= this.maxMs) {
      await this.db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
      return null;
    }
    if (now - row.last_seen > TOUCH_MS) {
      this.db
        .updateTable('sessions')
        .set({ last_seen: now })
        .where('id_hash', '=', idHash)
        .execute()
        .catch((err: unknown) => this.log.warn({ err }, 'could not record session use'));
    }
    return JSON.parse(row.data) as Session;
  }
}
