/**
 * Tickets, `#/tickets`: a board of state × level (a list on a phone) with the deadlines counting down, and
 * filters by level, state and node; `#/tickets/<code>`: one ticket with its whole history and the actions
 * the user's level allows (the compound proposes, the community handles, the street coordinates, the
 * county plans, the city drives).
 */
import { useEffect, useState } from 'preact/hooks';
import { Countdown } from '../../components/countdown';
import { FieldRow } from '../../components/field';
import type { Me } from '../../data/auth';
import type { County } from '../../data/county';
import {
  canHandle,
  fetchTicket,
  LEVELS,
  NOTE_REQUIRED,
  putTicket,
  subscribeTickets,
  historyKey,
  TICKET_STATES,
  ticketAction,
  ticketActions,
  tickets,
  type Level,
  type Ticket,
  type TicketAction,
  type TicketState,
} from '../../data/feedback';
import { ApiError } from '../../data/api';
import { useI18n } from '../../i18n';
import { href } from '../../lib/router';
import { useStore, useSubscription } from '../../lib/store';
import { useDocumentTitle } from '../title';
import { nodeName } from './feedbackView';

/** Board columns: closed tickets only when asked for. */
const BOARD_STATES: readonly TicketState[] = ['open', 'reopened', 'acknowledged', 'in_progress', 'waiting_resident', 'waiting_parts', 'resolved'];

function useNarrow(query = '(max-width: 720px)'): boolean {
  const [narrow, setNarrow] = useState(() => matchMedia(query).matches);
  useEffect(() => {
    const m = matchMedia(query);
    const on = () => setNarrow(m.matches);
    m.addEventListener('change', on);
    return () => m.removeEventListener('change', on);
  }, [query]);
  return narrow;
}

interface Filters {
  level: Level | '';
  state: TicketState | '';
  node: string;
}

export function TicketsView({ county }: { county: County; me: Me }) {
  useSubscription(subscribeTickets);
  const i = useI18n();
  useDocumentTitle(i.t('tickets.title'));
  const narrow = useNarrow();
  const { loaded, byCode } = useStore(tickets);
  const [f, setF] = useState<Filters>({ level: '', state: '', node: '' });
  const all = [...byCode.values()];
  const nodes = [...new Set(all.map((t) => t.node).concat(all.map((t) => t.compound)))];
  const shown = all
    .filter((t) => (!f.level || t.level === f.level) && (!f.state || t.state === f.state) && (!f.node || t.node === f.node || t.compound === f.node))
    .filter((t) => f.state === 'closed' || t.state !== 'closed')
    .sort((a, b) => (a.deadlineAt ?? Infinity) - (b.deadlineAt ?? Infinity) || b.openedAt - a.openedAt);
  const states = f.state ? [f.state] : BOARD_STATES;
  const levels = f.level ? [f.level] : LEVELS.filter((l) => shown.some((t) => t.level === l) || l === 'compound' || l === 'community');

  return (
    <div class="tickets" data-testid="tickets">
      <header class="compound__head">
        <h1 class="compound__name">{i.t('tickets.title')}</h1>
        <p class="muted">{i.t('tickets.rule')}</p>
      </header>
      <form class="panel tickets__filters" onSubmit={(e) => e.preventDefault()} aria-label={i.t('tickets.filters')}>
        <FieldRow id="tf-level" label={i.t('tickets.level')}>
          <select id="tf-level" value={f.level} onChange={(e) => setF({ ...f, level: (e.target as HTMLSelectElement).value as Level | '' })}>
            <option value="">{i.t('audit.any')}</option>
            {LEVELS.map((l) => (
              <option key={l} value={l}>
                {i.t(`level.${l}`)}
              </option>
            ))}
          </select>
        </FieldRow>
        <FieldRow id="tf-state" label={i.t('tickets.state')}>
          <select id="tf-state" value={f.state} onChange={(e) => setF({ ...f, state: (e.target as HTMLSelectElement).value as TicketState | '' })}>
            <option value="">{i.t('tickets.active')}</option>
            {TICKET_STATES.map((s) => (
              <option key={s} value={s}>
                {i.t(`ticketState.${s}`)}
              </option>
            ))}
          </select>
        </FieldRow>
        <FieldRow id="tf-node" label={i.t('tickets.node')}>
          <select id="tf-node" value={f.node} onChange={(e) => setF({ ...f, node: (e.target as HTMLSelectElement).value })}>
            <option value="">{i.t('audit.any')}</option>
            {nodes.map((n) => (
              <option key={n} value={n}>
                {nodeName(i, county, n)}
              </option>
            ))}
          </select>
        </FieldRow>
      </form>
      {!loaded && all.length === 0 ? (
        <p class="loading">{i.t('loading')}</p>
      ) : shown.length === 0 ? (
        <p class="panel muted" data-testid="tickets-none">{i.t('tickets.none')}</p>
      ) : narrow ? (
        <ul class="tlist" data-testid="ticket-list">
          {shown.map((t) => (
            <li key={t.code}>
              <TicketCard t={t} county={county} withPlace />
            </li>
          ))}
        </ul>
      ) : (
        <div class="table-wrap">
          <table class="tboard" data-testid="ticket-board">
            <thead>
              <tr>
                <th scope="col">{i.t('tickets.level')}</th>
                {states.map((s) => (
                  <th key={s} scope="col">
                    {i.t(`ticketState.${s}`)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {levels.map((l) => (
                <tr key={l} data-board-level={l}>
                  <th scope="row">{i.t(`level.${l}`)}</th>
                  {states.map((s) => (
                    <td key={s} data-board-cell={`${l}/${s}`}>
                      {shown
                        .filter((t) => t.level === l && t.state === s)
                        .map((t) => (
                          <TicketCard key={t.code} t={t} county={county} />
                        ))}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function TicketCard({ t, county, withPlace = false }: { t: Ticket; county: County; withPlace?: boolean }) {
  const i = useI18n();
  const c = county.compound(t.compound);
  return (
    <a class={`tcard tcard--${t.state}`} href={href({ view: 'ticket', code: t.code })} data-ticket={t.code} data-state={t.state} data-level={t.level} data-kind={t.kind} data-ticket-compound={t.compound} data-kiosk={t.kiosk ?? ''}>
      <span class="tcard__code">{t.code}</span>
      <span class="tcard__kind">
        {i.t(`ticketKind.${t.kind}`)}
        {t.count > 1 && ` ×${t.count}`}
      </span>
      <span class="tcard__where small">
        {i.name(c, t.compound)}
        {t.group && ` · ${i.name(county.group(t.compound, t.group), t.group)}`}
      </span>
      {withPlace && (
        <span class="small">
          {i.t(`ticketState.${t.state}`)} · {i.t(`level.${t.level}`)}
        </span>
      )}
      <Countdown deadlineAt={t.deadlineAt} warnAt={t.warnAt} pausedAt={t.pausedAt} />
    </a>
  );
}

// ---------------------------------------------------------------------------------------------

export function TicketView({ county, code, me }: { county: County; code: string; me: Me }) {
  useSubscription(subscribeTickets);
  const i = useI18n();
  useDocumentTitle(`${i.t('tickets.one')} ${code}`);
  const live = useStore(tickets).byCode.get(code);
  const [answer, setAnswer] = useState<'loading' | 'missing' | 'forbidden' | 'ok'>(live ? 'ok' : 'loading');
  useEffect(() => {
    const abort = new AbortController();
    fetchTicket(code, abort.signal).then(
      (t) => {
        putTicket(t);
        setAnswer('ok');
      },
      (err) => !abort.signal.aborted && setAnswer(err instanceof ApiError && err.status === 403 ? 'forbidden' : 'missing'),
    );
    return () => abort.abort();
  }, [code]);
  if (!live) {
    if (answer === 'loading') return <p class="loading">{i.t('loading')}</p>;
    return (
      <section class="panel empty-state" data-testid="ticket-missing" data-answer={answer}>
        <h1>{i.t('tickets.missing', { code })}</h1>
        <a href={href({ view: 'tickets' })}>{i.t('tickets.back')}</a>
      </section>
    );
  }
  return <TicketDetail t={live} county={county} me={me} />;
}

function TicketDetail({ t, county, me }: { t: Ticket; county: County; me: Me }) {
  const i = useI18n();
  const [note, setNote] = useState('');
  const [problem, setProblem] = useState<{ field: 'note' | 'form'; message: string } | null>(null);
  const [busy, setBusy] = useState<TicketAction | null>(null);
  const allowed = canHandle(me, t);
  const actions = ticketActions(t);
  const act = async (action: TicketAction) => {
    if (NOTE_REQUIRED.has(action) && !note.trim()) {
      setProblem({ field: 'note', message: i.t(action === 'comment' ? 'ticket.needComment' : 'ticket.needReason') });
      document.getElementById('ticket-note')?.focus();
      return;
    }
    setBusy(action);
    setProblem(null);
    try {
      putTicket(await ticketAction(t.code, action, note.trim() || undefined));
      setNote('');
    } catch (err) {
      setProblem({ field: 'form', message: (err as Error).message });
    } finally {
      setBusy(null);
    }
  };
  const c = county.compound(t.compound);
  const historyLabel = (action: string) => {
    const key = historyKey(action);
    return key ? i.t(key) : action;
  };
  return (
    <div class="ticket" data-ticket-detail={t.code} data-state={t.state} data-level={t.level}>
      <a class="back" href={href({ view: 'tickets' })}>
        {i.t('tickets.back')}
      </a>
      <header class="compound__head">
        <h1 class="compound__name">
          {i.t('tickets.one')} <span class="ticket__code">{t.code}</span>
        </h1>
        <p class="ticket__now" data-testid="ticket-state">
          <span class="tag">{i.t(`ticketState.${t.state}`)}</span> <span class="tag">{i.t('publicTicket.heldBy', { level: i.t(`level.${t.level}`) })}</span>{' '}
          <Countdown deadlineAt={t.deadlineAt} warnAt={t.warnAt} pausedAt={t.pausedAt} />
        </p>
      </header>
      <section class="panel">
        <dl class="ticket__facts">
          <dt>{i.t('ticket.kind')}</dt>
          <dd>
            {i.t(`ticketKind.${t.kind}`)}
            {t.count > 1 && ` · ${i.t('ticket.merged', { n: t.count })}`}
          </dd>
          <dt>{i.t('ticket.where')}</dt>
          <dd>
            {i.name(c, t.compound)}
            {t.kiosk && ` · ${i.name(county.kiosk(t.compound, t.kiosk), t.kiosk)}`}
            {t.group && ` · ${i.name(county.group(t.compound, t.group), t.group)}`}
          </dd>
          <dt>{i.t('ticket.node')}</dt>
          <dd>{nodeName(i, county, t.node)}</dd>
          <dt>{i.t('ticket.opened')}</dt>
          <dd>{i.stamp(t.openedAt)}</dd>
          {t.deadlineAt !== null && (
            <>
              <dt>{i.t('ticket.deadline')}</dt>
              <dd>{i.stamp(t.deadlineAt)}</dd>
            </>
          )}
          <dt>{i.t('ticket.public')}</dt>
          <dd>
            <a href={`/t/${encodeURIComponent(t.code)}`} target="_blank" rel="noopener">
              /t/{t.code}
            </a>
          </dd>
        </dl>
        {t.confirmed === 'telemetry' && <p class="ticket__note">⚙ {i.t('ticket.confirmed')}</p>}
        {t.proposal === 'resolve' && <p class="ticket__note">✓ {i.t('ticket.proposeResolve')}</p>}
      </section>

      <section class="panel" aria-labelledby="ticket-actions-title">
        <h2 id="ticket-actions-title" class="panel__title">{i.t('ticket.actions')}</h2>
        {!allowed ? (
          <p class="muted" data-testid="ticket-not-yours">{i.t('ticket.notYourLevel', { level: i.t(`level.${t.level}`) })}</p>
        ) : (
          <>
            <FieldRow id="ticket-note" label={i.t('ticket.note')} hint={i.t('ticket.noteHint')} problem={problem?.field === 'note' ? problem.message : undefined}>
              <textarea
                id="ticket-note"
                rows={2}
                maxLength={1000}
                value={note}
                aria-invalid={problem?.field === 'note' ? 'true' : undefined}
                aria-describedby={problem?.field === 'note' ? 'ticket-note-problem' : undefined}
                onInput={(e) => setNote((e.target as HTMLTextAreaElement).value)}
              />
            </FieldRow>
            <div class="ticket__buttons" role="group" aria-label={i.t('ticket.actions')}>
              {actions.map((a) => (
                <button key={a} type="button" class={`button button--small${a === 'escalate' ? ' button--danger' : ''}`} data-ticket-action={a} disabled={busy !== null} onClick={() => void act(a)}>
                  {busy === a ? i.t('play.sending') : i.t(`ticketAction.${a}`)}
                </button>
              ))}
            </div>
            {problem?.field === 'form' && (
              <p class="form-error" role="alert" data-testid="ticket-error">
                {problem.message}
              </p>
            )}
          </>
        )}
      </section>

      <section class="panel" aria-labelledby="ticket-history-title">
        <h2 id="ticket-history-title" class="panel__title">{i.t('ticket.history')}</h2>
        <div class="table-wrap">
          <table class="history-table" data-testid="ticket-history">
            <thead>
              <tr>
                <th>{i.t('audit.time')}</th>
                <th>{i.t('ticket.by')}</th>
                <th>{i.t('audit.action')}</th>
                <th>{i.t('tickets.state')}</th>
                <th>{i.t('tickets.level')}</th>
                <th>{i.t('ticket.note')}</th>
              </tr>
            </thead>
            <tbody>
              {t.history.map((h, n) => (
                <tr key={n} data-history-action={h.action}>
                  <td>{i.stamp(h.at)}</td>
                  <td>{h.by === 'system' ? i.t('ticket.system') : h.by}</td>
                  <td>{historyLabel(h.action)}</td>
                  <td>{h.toState ? `${h.fromState ? `${i.t(`ticketState.${h.fromState}`)} → ` : ''}${i.t(`ticketState.${h.toState}`)}` : ''}</td>
                  <td>{h.toLevel ? `${h.fromLevel ? `${i.t(`level.${h.fromLevel}`)} → ` : ''}${i.t(`level.${h.toLevel}`)}` : ''}</td>
                  <td>{h.note ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </div>
  );
}


