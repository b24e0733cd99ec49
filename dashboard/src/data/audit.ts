/** The audit log: GET /api/audit (admin: all; officers and the committee: within their scope), filtered and paged, and its CSV export. */
import type { AuditEntry, AuditPage } from '@caideng/protocol';
import { getJson } from './api';

export type { AuditEntry, AuditPage };
export type Outcome = AuditEntry['outcome'];
export const OUTCOMES = ['ok', 'denied', 'failed'] as const satisfies readonly Outcome[];

export interface AuditFilter {
  actor?: string;
  /** A prefix: `auth.` matches every sign-in entry. */
  action?: string;
  outcome?: Outcome | '';
  compound?: string;
  /** Epoch ms. */
  from?: number;
  to?: number;
}

/** A `datetime-local` value read as Beijing time (UTC+8 all year: China has no daylight saving), the zone the page shows. */
export function beijingToEpoch(value: string): number | undefined {
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?$/.test(value)) return undefined;
  const ms = Date.parse(`${value.length === 16 ? `${value}:00` : value}+08:00`);
  return Number.isFinite(ms) ? ms : undefined;
}

/** The filter form's fields as typed (times as `datetime-local` values). */
export interface AuditForm {
  actor: string;
  action: string;
  outcome: Outcome | '';
  compound: string;
  from: string;
  to: string;
}

export const EMPTY_AUDIT_FORM: AuditForm = { actor: '', action: '', outcome: '', compound: '', from: '', to: '' };

export function toFilter(f: AuditForm): AuditFilter {
  const out: AuditFilter = {};
  if (f.actor.trim()) out.actor = f.actor.trim();
  if (f.action.trim()) out.action = f.action.trim();
  if (f.outcome) out.outcome = f.outcome;
  if (f.compound) out.compound = f.compound;
  const from = beijingToEpoch(f.from);
  const to = beijingToEpoch(f.to);
  if (from !== undefined) out.from = from;
  if (to !== undefined) out.to = to;
  return out;
}

export const AUDIT_PAGE = 50;

/** The query string of a filter (empty fields left out), shared by the page and the CSV link. */
export function auditQuery(filter: AuditFilter, extra: Record<string, string | number> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...filter, ...extra })) {
    if (v === undefined || v === '' || (typeof v === 'number' && !Number.isFinite(v))) continue;
    q.set(k, String(v).trim());
  }
  return q.toString();
}

export const fetchAudit = (filter: AuditFilter, offset: number, signal?: AbortSignal) =>
  getJson<AuditPage>(`/api/audit?${auditQuery(filter, { offset, limit: AUDIT_PAGE })}`, signal);

/** Every matching row as CSV (the controller answers it as an attachment). */
export const auditCsvHref = (filter: AuditFilter) => `/api/audit?${auditQuery(filter, { format: 'csv' })}`;
