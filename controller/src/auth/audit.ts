/**
 * The audit log: every action by a person or token — commands, scene edits, user and credential
 * changes, sign-ins and failed sign-ins, and every refused request — with who, when, from which
 * address, what, and the outcome. Writes through the HTTP layer are recorded by one hook (auth/http.ts),
 * so a new route cannot forget it. Details never carry a secret: fields named like one are dropped.
 * Old entries are pruned after `auth.auditRetentionDays`, in chunks.
 */
import { AUDIT_PAGE_MAX, type AuditEntry, type AuditPage, type AuditQuery } from '@caideng/protocol';
import { Feature, type FeatureContext } from '../features/feature.js';
import { PeriodicJob } from '../store/jobs.js';
import type { Selectable } from 'kysely';
import type { AuditTable } from '../store/schema.js';
import type { Principal } from './access.js';

export interface AuditRecord {
  principal?: Pick<Principal, 'username' | 'role' | 'via'> | null;
  /** For failed sign-ins: the username that was tried. */
  actor?: string;
  ip: string;
  action: string;
  target?: string | null;
  compound?: string | null;
  outcome: AuditEntry['outcome'];
  status: number;
  detail?: Record<string, unknown> | null;
}

/** Keys whose values are secrets, at any depth of a detail object. */
const SECRET_KEY = /pass(word)?|token|secret|cookie|authorization|csrf/i;
const DETAIL_MAX_CHARS = 2000;
export const CSV_MAX_ROWS = 100_000;
const PRUNE_CHUNK = 5000;

/** A copy of `value` without secret-named fields, or null when it is not an object. */
export function redact(value: unknown, depth = 0): Record<string, unknown> | null {
  if (!value || typeof value !== 'object' || Array.isArray(value) || depth > 4) return null;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (SECRET_KEY.test(k)) continue;
    out[k] = v && typeof v === 'object' && !Array.isArray(v) ? redact(v, depth + 1) : v;
  }
  return out;
}

export class AuditLog extends Feature {
  readonly counters = { recorded: 0, failed: 0, pruned: 0 };
  private readonly prune: PeriodicJob;
  /** Writes in flight, so stop() can wait for them. */
  private readonly inflight = new Set<Promise<void>>();

  constructor(ctx: FeatureContext) {
    super(ctx, 'audit');
    this.prune = new PeriodicJob({ what: 'prune audit log', log: this.log, intervalMs: 3_600_000, firstDelayMs: 60_000, run: () => this.pruneOnce() });
  }

  override async start(): Promise<void> {
    this.prune.start();
  }

  override async stop(): Promise<void> {
    await super.stop();
    await this.prune.stop();
    await Promise.all(this.inflight);
  }

  /** Records an entry; never throws (a failed write is logged and counted, the action itself stands). */
  record(r: AuditRecord, ts = Date.now()): Promise<void> {
    let detail = r.detail ? JSON.stringify(redact(r.detail)) : null;
    if (detail && detail.length > DETAIL_MAX_CHARS) detail = JSON.stringify({ truncated: detail.slice(0, DETAIL_MAX_CHARS) });
    const row: Omit<AuditTable, 'id'> = {
      ts,
      actor: r.principal?.username ?? r.actor ?? null,
      role: r.principal?.role ?? null,
      via: r.principal?.via ?? null,
      ip: r.ip,
      action: r.action,
      target: r.target ?? null,
      compound: r.compound ?? null,
      outcome: r.outcome,
      status: r.status,
      detail,
    };
    const p = this.ctx.db
      .insertInto('audit')
      .values(row)
      .execute()
      .then(
        () => void this.counters.recorded++,
        (err: unknown) => {
          this.counters.failed++;
          this.log.error({ err, action: r.action }, 'could not write the audit log');
        },
      )
      .finally(() => this.inflight.delete(p));
    this.inflight.add(p);
    return p;
  }

  /**
   * A page of entries, newest first. `visible` narrows to entries about those compounds, plus the
   * viewer's own actions (officers and the committee see their scope; admins pass null).
   */
  async query(q: AuditQuery, visible: { compounds: ReadonlySet<string>; self: string } | null): Promise<AuditPage> {
    const base = this.filtered(q, visible);
    const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
    const rows = await base
      .selectAll()
      .orderBy('id', 'desc')
      .offset(Number(q.offset ?? 0))
      .limit(Math.min(Number(q.limit ?? 50), AUDIT_PAGE_MAX) || 1)
      .execute();
    return { total: Number(total?.n ?? 0), items: rows.map(toEntry) };
  }

  /** Every matching entry (up to CSV_MAX_ROWS), newest first, as CSV. */
  async csv(q: AuditQuery, visible: { compounds: ReadonlySet<string>; self: string } | null): Promise<string> {
    const rows = await this.filtered(q, visible).selectAll().orderBy('id', 'desc').limit(CSV_MAX_ROWS).execute();
    const header = 'id,time,actor,role,via,ip,action,target,compound,outcome,status,detail';
    const lines = rows.map((r) =>
      [r.id, new Date(r.ts).toISOString(), r.actor, r.role, r.via, r.ip, r.action, r.target, r.compound, r.outcome, r.status, r.detail].map(csvField).join(','),
    );
    return [header, ...lines].join('\r\n') + '\r\n';
  }

  private filtered(q: AuditQuery, visible: { compounds: ReadonlySet<string>; self: string } | null) {
    let s = this.ctx.db.selectFrom('audit');
    if (q.actor) s = s.where('actor', '=', q.actor);
    if (q.action) s = s.where('action', 'like', `${q.action.replace(/[%_\\]/g, '\\$&')}%`);
    if (q.outcome) s = s.where('outcome', '=', q.outcome);
    if (q.compound) s = s.where('compound', '=', q.compound);
    if (q.from !== undefined) s = s.where('ts', '>=', Number(q.from));
    if (q.to !== undefined) s = s.where('ts', '<', Number(q.to));
    if (visible) {
      const compounds = [...visible.compounds];
      s = s.where((eb) => eb.or([eb('actor', '=', visible.self), ...(compounds.length ? [eb('compound', 'in', compounds)] : [])]));
    }
    return s;
  }

  private async pruneOnce(): Promise<void> {
    const cutoff = Date.now() - this.ctx.config.auth.auditRetentionDays * 86_400_000;
    for (;;) {
      const r = await this.ctx.db
        .deleteFrom('audit')
        .where('id', 'in', (eb) => eb.selectFrom('audit').select('id').where('ts', '<', cutoff).limit(PRUNE_CHUNK))
        .executeTakeFirst();
      const n = Number(r.numDeletedRows);
      this.counters.pruned += n;
      if (n < PRUNE_CHUNK) return;
    }
  }
}

function toEntry(r: Selectable<AuditTable>): AuditEntry {
  return {
    id: r.id,
    ts: r.ts,
    actor: r.actor,
    role: r.role,
    via: r.via,
    ip: r.ip,
    action: r.action,
    target: r.target,
    compound: r.compound,
    outcome: r.outcome as AuditEntry['outcome'],
    status: r.status,
    detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : null,
  };
}

/** RFC 4180 field; a leading =, +, - or @ is quoted with a ' so a spreadsheet does not run it as a formula. */
function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s = String(v);
  if (/^[=+\-@]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
