/** Store queries of the deadlines table: each state change is one conditional UPDATE on (key, token). */
import { randomUUID } from 'node:crypto';
import type { Db } from '../../store/db.js';
import type { DeadlineTable } from '../../store/schema.js';

export type DeadlineRow = DeadlineTable;

export async function upsert(db: Db, input: { key: string; kind: string; dueAt: number; payloadJson: string; now: number }): Promise<void> {
  const row: DeadlineTable = {
    key: input.key,
    kind: input.kind,
    token: randomUUID(),
    due_at: input.dueAt,
    next_at: input.dueAt,
    payload_json: input.payloadJson,
    status: 'pending',
    attempts: 0,
    created_at: input.now,
    claimed_at: null,
    finished_at: null,
    last_error: null,
  };
  await db
    .insertInto('deadlines')
    .values(row)
    .onConflict((oc) =>
      oc.column('key').doUpdateSet((eb) => ({
        kind: eb.ref('excluded.kind'),
        token: eb.ref('excluded.token'),
        due_at: eb.ref('excluded.due_at'),
        next_at: eb.ref('excluded.next_at'),
        payload_json: eb.ref('excluded.payload_json'),
        status: eb.ref('excluded.status'),
        attempts: eb.ref('excluded.attempts'),
        created_at: eb.ref('excluded.created_at'),
        claimed_at: eb.ref('excluded.claimed_at'),
        finished_at: eb.ref('excluded.finished_at'),
        last_error: eb.ref('excluded.last_error'),
      })),
    )
    .execute();
}

/** Removes a deadline that has not fired; true when there was one. */
export async function remove(db: Db, key: string): Promise<boolean> {
  const r = await db.deleteFrom('deadlines').where('key', '=', key).where('status', 'in', ['pending', 'running']).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function find(db: Db, key: string): Promise<DeadlineRow | undefined> {
  return db.selectFrom('deadlines').selectAll().where('key', '=', key).executeTakeFirst();
}

/** Pending deadlines of the handled kinds whose next attempt is due, earliest first. */
export async function due(db: Db, kinds: string[], now: number, limit: number): Promise<DeadlineRow[]> {
  return db
    .selectFrom('deadlines')
    .selectAll()
    .where('status', '=', 'pending')
    .where('kind', 'in', kinds)
    .where('next_at', '<=', now)
    .orderBy('next_at')
    .orderBy('key')
    .limit(limit)
    .execute();
}

/** When the next pending deadline of the handled kinds is due, or null. */
export async function nextDue(db: Db, kinds: string[]): Promise<number | null> {
  const row = await db
    .selectFrom('deadlines')
    .select((eb) => eb.fn.min('next_at').as('next'))
    .where('status', '=', 'pending')
    .where('kind', 'in', kinds)
    .executeTakeFirst();
  return row?.next == null ? null : Number(row.next);
}

/** Marks the row as running before its handler runs; false when it changed meanwhile (rescheduled, cancelled). */
export async function claim(db: Db, row: DeadlineRow, now: number): Promise<boolean> {
  const r = await db
    .updateTable('deadlines')
    .set({ status: 'running', attempts: row.attempts + 1, claimed_at: now })
    .where('key', '=', row.key)
    .where('token', '=', row.token)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export type Outcome = { status: 'fired' } | { status: 'retry'; nextAt: number; error: string } | { status: 'failed'; error: string };

/** Records how a claimed attempt ended; a row rescheduled meanwhile (new token) is left alone. */
export async function settle(db: Db, key: string, token: string, outcome: Outcome, now: number): Promise<void> {
  const q = db.updateTable('deadlines').where('key', '=', key).where('token', '=', token).where('status', '=', 'running');
  if (outcome.status === 'fired') await q.set({ status: 'fired', finished_at: now, last_error: null }).execute();
  else if (outcome.status === 'retry') await q.set({ status: 'pending', next_at: outcome.nextAt, last_error: outcome.error }).execute();
  else await q.set({ status: 'failed', finished_at: now, last_error: outcome.error }).execute();
}

/**
 * Rows left `running` by a controller that died during their handler: run again (now) while attempts
 * remain, else failed. Returns how many were found.
 */
export async function recoverInterrupted(db: Db, maxAttempts: number, now: number): Promise<number> {
  const error = 'interrupted: the controller stopped while the handler ran';
  const again = await db
    .updateTable('deadlines')
    .set({ status: 'pending', next_at: now, last_error: error })
    .where('status', '=', 'running')
    .where('attempts', '<', maxAttempts)
    .executeTakeFirst();
  const failed = await db
    .updateTable('deadlines')
    .set({ status: 'failed', finished_at: now, last_error: error })
    .where('status', '=', 'running')
    .executeTakeFirst();
  return Number(again.numUpdatedRows) + Number(failed.numUpdatedRows);
}
