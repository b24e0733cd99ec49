/** The audit log: filter by actor, action prefix, outcome, compound and time; a paged table, newest first; the same filter as CSV. */
import { useEffect, useState } from 'preact/hooks';
import { FieldRow } from '../../components/field';
import { AUDIT_PAGE, auditCsvHref, EMPTY_AUDIT_FORM, fetchAudit, OUTCOMES, toFilter, type AuditFilter, type AuditForm, type AuditPage, type Outcome } from '../../data/audit';
import { ROLES, type Role } from '../../data/auth';
import type { County } from '../../data/county';
import { useI18n } from '../../i18n';

/** Common action prefixes, offered as suggestions (any prefix works). */
const ACTION_PREFIXES = ['auth.', 'auth.login', 'auth.login.failed', 'command.', 'scene.', 'user.', 'token.'];
const OUTCOME_MARK: Record<Outcome, string> = { ok: '✓', denied: '⛔', failed: '✗' };

export function AuditPanel({ county }: { county: County }) {
  const i = useI18n();
  const [form, setForm] = useState<AuditForm>(EMPTY_AUDIT_FORM);
  const [filter, setFilter] = useState<AuditFilter>({});
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState<AuditPage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);

  useEffect(() => {
    const abort = new AbortController();
    setLoading(true);
    fetchAudit(filter, offset, abort.signal)
      .then((p) => (setPage(p), setError(null)))
      .catch((err: Error) => !abort.signal.aborted && setError(err.message))
      .finally(() => !abort.signal.aborted && setLoading(false));
    return () => abort.abort();
  }, [filter, offset]);

  const set = (k: keyof AuditForm) => (e: Event) => setForm({ ...form, [k]: (e.target as HTMLInputElement).value });
  const apply = (e: Event) => {
    e.preventDefault();
    setOffset(0);
    setFilter(toFilter(form));
  };
  const total = page?.total ?? 0;
  const last = Math.min(offset + AUDIT_PAGE, total);

  return (
    <section class="panel" aria-labelledby="audit-title" data-testid="audit">
      <div class="panel__head">
        <h2 id="audit-title" class="panel__title">{i.t('admin.tab.audit')}</h2>
        <a class="button" href={auditCsvHref(filter)} download="audit.csv" data-testid="audit-csv">
          {i.t('audit.csv')}
        </a>
      </div>
      <form class="form-grid audit__filters" onSubmit={apply} data-testid="audit-filters">
        <FieldRow id="audit-actor" label={i.t('audit.actor')}>
          <input id="audit-actor" value={form.actor} onInput={set('actor')} autoCapitalize="none" spellcheck={false} />
        </FieldRow>
        <FieldRow id="audit-action" label={i.t('audit.action')} hint={i.t('audit.actionHint')}>
          <input id="audit-action" value={form.action} onInput={set('action')} list="audit-actions" autoCapitalize="none" spellcheck={false} />
        </FieldRow>
        <datalist id="audit-actions">
          {ACTION_PREFIXES.map((a) => (
            <option key={a} value={a} />
          ))}
        </datalist>
        <FieldRow id="audit-outcome" label={i.t('audit.outcome')}>
          <select id="audit-outcome" value={form.outcome} onChange={set('outcome')}>
            <option value="">{i.t('audit.any')}</option>
            {OUTCOMES.map((o) => (
              <option key={o} value={o}>
                {i.t(`outcome.${o}`)}
              </option>
            ))}
          </select>
        </FieldRow>
        <FieldRow id="audit-compound" label={i.t('audit.compound')}>
          <select id="audit-compound" value={form.compound} onChange={set('compound')}>
            <option value="">{i.t('audit.any')}</option>
            {county.compounds.map((c) => (
              <option key={c.id} value={c.id}>
                {i.name(c)}
              </option>
            ))}
          </select>
        </FieldRow>
        <FieldRow id="audit-from" label={i.t('audit.from')}>
          <input id="audit-from" type="datetime-local" value={form.from} onInput={set('from')} />
        </FieldRow>
        <FieldRow id="audit-to" label={i.t('audit.to')}>
          <input id="audit-to" type="datetime-local" value={form.to} onInput={set('to')} />
        </FieldRow>
        <div class="form-buttons">
          <button type="submit" class="button button--primary" data-testid="audit-apply">
            {i.t('audit.apply')}
          </button>
          <button type="button" class="button button--quiet" onClick={() => (setForm(EMPTY_AUDIT_FORM), setOffset(0), setFilter({}))}>
            {i.t('audit.clear')}
          </button>
        </div>
      </form>
      {error && (
        <p class="form-error" role="alert">
          {i.t('error.load', { reason: error })}
        </p>
      )}
      <p class="muted small" aria-live="polite" data-testid="audit-count">
        {loading ? i.t('loading') : total === 0 ? i.t('audit.none') : i.t('audit.range', { first: offset + 1, last, total })}
      </p>
      {page && page.items.length > 0 && (
        <div class="table-wrap">
          <table class="list audit__table" data-testid="audit-list">
            <thead>
              <tr>
                <th scope="col">{i.t('audit.time')}</th>
                <th scope="col">{i.t('audit.actor')}</th>
                <th scope="col">{i.t('audit.action')}</th>
                <th scope="col">{i.t('audit.target')}</th>
                <th scope="col">{i.t('audit.compound')}</th>
                <th scope="col">{i.t('audit.outcome')}</th>
                <th scope="col">{i.t('audit.address')}</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((e) => (
                <tr key={e.id} data-audit={e.action} data-outcome={e.outcome} data-actor={e.actor ?? ''} data-target={e.target ?? ''}>
                  <td>
                    <time dateTime={new Date(e.ts).toISOString()}>{i.stamp(e.ts)}</time>
                  </td>
                  <td>
                    {e.actor ?? <span class="muted">–</span>}
                    {e.role && <span class="muted small"> · {(ROLES as readonly string[]).includes(e.role) ? i.t(`role.${e.role as Role}`) : e.role}</span>}
                  </td>
                  <td>
                    <code>{e.action}</code>
                  </td>
                  <td>{e.target ?? <span class="muted">–</span>}</td>
                  <td>{e.compound ? i.name(county.compound(e.compound), e.compound) : <span class="muted">–</span>}</td>
                  <td class={`outcome-cell outcome-cell--${e.outcome}`}>
                    <span aria-hidden="true">{OUTCOME_MARK[e.outcome]} </span>
                    {i.t(`outcome.${e.outcome}`)} <span class="muted small">{e.status}</span>
                  </td>
                  <td class="small">{e.ip ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {total > AUDIT_PAGE && (
        <nav class="pager" aria-label={i.t('audit.pages')}>
          <button type="button" class="button button--small" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - AUDIT_PAGE))}>
            {i.t('audit.newer')}
          </button>
          <button type="button" class="button button--small" disabled={last >= total} onClick={() => setOffset(offset + AUDIT_PAGE)}>
            {i.t('audit.older')}
          </button>
        </nav>
      )}
    </section>
  );
}
