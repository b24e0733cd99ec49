// Pruning telemetry at scale: one DELETE (as before) against chunked prunes, measured as event-loop
// blocking (the gaps between turns of a setImmediate ticker). Build first (npx tsc -b), then:
//   node controller/test/bench/prune.mjs [rows=1000000] [chunk sizes=5000,1000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openDb } from '../../dist/store/db.js';
import { pruneOlderThan } from '../../dist/store/prune.js';

const rows = Number(process.argv[2] ?? 1_000_000);
const chunkSizes = (process.argv[3] ?? '5000,1000').split(',').map(Number);

/** A fresh database with `rows` telemetry rows of 22 compounds × 50 groups, all past the cutoff. */
async function prepare() {
  const dir = mkdtempSync(join(tmpdir(), 'caideng-prune-bench-'));
  const file = join(dir, 'caideng.sqlite');
  await (await openDb({ file })).destroy();
  const raw = new Database(file);
  const insert = raw.prepare('INSERT INTO telemetry (compound_id, group_id, ts, received_at, watts) VALUES (?, ?, ?, ?, ?)');
  raw.transaction(() => {
    for (let i = 0; i < rows; i++) insert.run(`c${i % 22}`, `g${i % 50}`, i, i, 10);
  })();
  raw.pragma('wal_checkpoint(TRUNCATE)');
  raw.close();
  return { dir, file };
}

async function measure(label, prune) {
  const { dir, file } = await prepare();
  const db = await openDb({ file });
  const gaps = [];
  let last = performance.now();
  let running = true;
  const tick = () => {
    const t = performance.now();
    gaps.push(t - last);
    last = t;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  const t0 = performance.now();
  const deleted = await prune(db);
  const totalMs = performance.now() - t0;
  running = false;
  gaps.sort((a, b) => a - b);
  // No gap at all: the loop never turned, it was blocked for the whole prune.
  const at = (q) => Math.round(gaps.length ? gaps[Math.floor(q * (gaps.length - 1))] : totalMs);
  console.log(JSON.stringify({ label, deleted, totalMs: Math.round(totalMs), blockP50Ms: at(0.5), blockP99Ms: at(0.99), blockMaxMs: at(1) }));
  await db.destroy();
  rmSync(dir, { recursive: true, force: true });
}

await measure('one DELETE', async (db) => Number((await db.deleteFrom('telemetry').where('received_at', '<', rows).executeTakeFirst()).numDeletedRows));
for (const chunkRows of chunkSizes) await measure(`chunks of ${chunkRows}`, (db) => pruneOlderThan(db, 'telemetry', rows, { chunkRows }));
