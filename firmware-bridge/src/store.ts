/**
 * The gateway's own store (SQLite, synchronous=FULL), which outlives a reboot or a power cut:
 *
 * - what each group was told last, so a gateway that restarts during an outage goes on playing it;
 * - kiosk presses waiting for the controller's receipt, on disk (SQLite, synchronous=FULL): a press is committed
 * before anything else happens to it, so a gateway reboot or a power cut during an outage loses none. Each kiosk
 * has one `boot` id and a seq counter that both live here too: after a restart the counter continues under the
 * same boot, so re-sent presses are recognised as re-sends and new presses never reuse a number. A press leaves
 * the queue only when its receipt (stored or duplicate) names its kiosk, boot and seq.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { PROTOCOL_VERSION, type GroupState, type KioskButton, type KioskEvent } from '@caideng/protocol';

export interface QueuedPress {
  kiosk: string;
  event: KioskEvent & { boot: string };
}

/** What a group was last told, as its state says it (the tx included, so a re-sent command stays a duplicate). */
export type SavedGroup = Pick<GroupState, 'power' | 'brightness' | 'scene' | 'startAt' | 'tx'> & {
  /** The body of a stored (user) scene, fetched from the controller: a restart during an outage can play it. */
  body?: unknown;
};

export class BridgeStore {
  readonly #db: Database.Database;
  readonly #insert: Database.Statement;
  readonly #bump: Database.Statement;
  readonly #counter: Database.Statement;
  readonly #newCounter: Database.Statement;
  readonly #pending: Database.Statement;
  readonly #confirm: Database.Statement;
  readonly #count: Database.Statement;
  readonly #saveGroup: Database.Statement;
  readonly #groups: Database.Statement;

  constructor(readonly file: string) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.#db = new Database(file);
    this.#db.pragma('journal_mode = WAL');
    // Every press is on disk before press() returns: a power cut right after loses nothing.
    this.#db.pragma('synchronous = FULL');
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS kiosk_counter (kiosk TEXT PRIMARY KEY, boot TEXT NOT NULL, next_seq INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS press (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kiosk TEXT NOT NULL, boot TEXT NOT NULL, seq INTEGER NOT NULL, button TEXT NOT NULL, ts INTEGER NOT NULL,
        UNIQUE (kiosk, boot, seq)
      );
      CREATE TABLE IF NOT EXISTS group_state (group_id TEXT PRIMARY KEY, state_json TEXT NOT NULL);`);
    this.#counter = this.#db.prepare('SELECT boot, next_seq AS nextSeq FROM kiosk_counter WHERE kiosk = ?');
    this.#newCounter = this.#db.prepare('INSERT INTO kiosk_counter (kiosk, boot, next_seq) VALUES (?, ?, 0)');
    this.#bump = this.#db.prepare('UPDATE kiosk_counter SET next_seq = next_seq + 1 WHERE kiosk = ?');
    this.#insert = this.#db.prepare('INSERT INTO press (kiosk, boot, seq, button, ts) VALUES (?, ?, ?, ?, ?)');
    this.#pending = this.#db.prepare('SELECT kiosk, boot, seq, button, ts FROM press ORDER BY id LIMIT ?');
    this.#confirm = this.#db.prepare('DELETE FROM press WHERE kiosk = ? AND boot = ? AND seq = ?');
    this.#count = this.#db.prepare('SELECT COUNT(*) AS n FROM press');
    this.#saveGroup = this.#db.prepare('INSERT INTO group_state (group_id, state_json) VALUES (?, ?) ON CONFLICT (group_id) DO UPDATE SET state_json = excluded.state_json');
    this.#groups = this.#db.prepare('SELECT group_id AS id, state_json AS json FROM group_state');
  }

  /** Records a press with the next seq of its kiosk; durable when it returns. */
  readonly press = (kiosk: string, button: KioskButton, ts: number): QueuedPress => {
    return this.#db.transaction((): QueuedPress => {
      let counter = this.#counter.get(kiosk) as { boot: string; nextSeq: number } | undefined;
      if (!counter) {
        // A new counter run: a fresh boot id, so the controller never mistakes these seqs for an earlier run's.
        counter = { boot: randomUUID(), nextSeq: 0 };
        this.#newCounter.run(kiosk, counter.boot);
      }
      this.#bump.run(kiosk);
      this.#insert.run(kiosk, counter.boot, counter.nextSeq, button, ts);
      return { kiosk, event: { v: PROTOCOL_VERSION, button, ts, seq: counter.nextSeq, boot: counter.boot } };
    })();
  };

  /** Presses without a receipt, oldest first. */
  pending(limit = 1000): QueuedPress[] {
    const rows = this.#pending.all(limit) as Array<{ kiosk: string; boot: string; seq: number; button: KioskButton; ts: number }>;
    return rows.map((r) => ({ kiosk: r.kiosk, event: { v: PROTOCOL_VERSION, button: r.button, ts: r.ts, seq: r.seq, boot: r.boot } }));
  }

  /** Removes a press its receipt confirmed; false when it was not queued (a receipt for a re-send). */
  confirm(kiosk: string, boot: string, seq: number): boolean {
    return this.#confirm.run(kiosk, boot, seq).changes > 0;
  }

  saveGroup(id: string, state: SavedGroup): void {
    this.#saveGroup.run(id, JSON.stringify(state));
  }

  /** What each group was last told, by group id. */
  groups(): Map<string, SavedGroup> {
    const rows = this.#groups.all() as Array<{ id: string; json: string }>;
    return new Map(rows.map((r) => [r.id, JSON.parse(r.json) as SavedGroup]));
  }

  /** Presses waiting for their receipt. */
  get size(): number {
    return (this.#count.get() as { n: number }).n;
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }
}
