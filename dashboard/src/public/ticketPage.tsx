/**
 * The public ticket page, `/t/{code}`: what a resident sees from a phone after pressing 灯坏了 or 求助 —
 * the ticket's state, which level holds it and its history of states and levels with times. No login and
 * no personal data (GET /api/public/tickets/:code gives neither names nor notes).
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { historyKey, type PublicTicket } from '../data/feedbackTypes';
import { i18nFor } from '../i18n';
import { TicketSteps } from './ticketSteps';
import './public.css';

const zh = i18nFor('zh-CN');
const en = i18nFor('en');
const REFRESH_MS = 30_000;

export const parseTicketPath = (path: string) => /^\/t\/([A-Za-z0-9-]{3,32})\/?$/.exec(path)?.[1] ?? null;

type Answer = { status: 'loading' } | { status: 'ready'; ticket: PublicTicket } | { status: 'missing' } | { status: 'error'; reason: string };

function Both({ k, params }: { k: Parameters<typeof zh.t>[0]; params?: Record<string, string | number> }) {
  return (
    <>
      {zh.t(k, params)} <span class="en" lang="en">{en.t(k, params)}</span>
    </>
  );
}

function TicketPage({ code }: { code: string }) {
  const [answer, setAnswer] = useState<Answer>({ status: 'loading' });
  useEffect(() => {
    let live = true;
    const load = () =>
      fetch(`/api/public/tickets/${encodeURIComponent(code)}`, { headers: { accept: 'application/json' } })
        .then(async (res) => {
          if (!live) return;
          if (res.status === 404) return setAnswer({ status: 'missing' });
          if (!res.ok) return setAnswer({ status: 'error', reason: `${res.status}` });
          const body = (await res.json()) as { ticket?: PublicTicket } & PublicTicket;
          setAnswer({ status: 'ready', ticket: body.ticket ?? body });
        })
        .catch((err: Error) => live && setAnswer({ status: 'error', reason: err.message }));
    void load();
    const timer = setInterval(load, REFRESH_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [code]);

  if (answer.status === 'loading') return <p class="pub__notice">{zh.t('loading')}</p>;
  if (answer.status === 'missing')
    return (
      <p class="pub__notice" role="alert" data-testid="ticket-missing">
        <Both k="publicTicket.missing" params={{ code }} />
      </p>
    );
  if (answer.status === 'error')
    return (
      <p class="pub__notice" role="alert">
        <Both k="error.load" params={{ reason: answer.reason }} />
      </p>
    );
  const t = answer.ticket;
  return (
    <main class="pub" data-testid="public-ticket" data-ticket={t.code} data-state={t.state} data-level={t.level}>
      <h1 class="pub__title">
        <Both k="publicTicket.title" />
      </h1>
      <p class="pub__code">{t.code}</p>
      <p class="pub__kind">
        {zh.t(`ticketKind.${t.kind}`)} <span class="en" lang="en">{en.t(`ticketKind.${t.kind}`)}</span> · {zh.stamp(t.openedAt)}
      </p>
      <TicketSteps state={t.state} level={t.level} />
      <p class="pub__now" data-testid="public-state">
        {zh.t(`ticketState.${t.state}`)} · {zh.t('publicTicket.heldBy', { level: zh.t(`level.${t.level}`) })}
        <span class="en" lang="en">
          {' '}
          {en.t(`ticketState.${t.state}`)} · {en.t('publicTicket.heldBy', { level: en.t(`level.${t.level}`) })}
        </span>
      </p>
      <h2 class="pub__subtitle">
        <Both k="publicTicket.history" />
      </h2>
      <ol class="pub__history">
        {t.history.map((h, n) => (
          <li key={n}>
            <time dateTime={new Date(h.at).toISOString()}>{zh.stamp(h.at)}</time>{' '}
            {h.toState && h.toState !== h.fromState && <span>{zh.t(`ticketState.${h.toState}`)} </span>}
            {h.toLevel && h.toLevel !== h.fromLevel && <span>{h.fromLevel ? `→ ${zh.t(`level.${h.toLevel}`)}` : `（${zh.t(`level.${h.toLevel}`)}）`} </span>}
            {!h.toState && !h.toLevel && <span>{historyKey(h.action) ? zh.t(historyKey(h.action)!) : zh.t('publicTicket.update')}</span>}
          </li>
        ))}
      </ol>
      <p class="pub__foot small">
        <Both k="publicTicket.foot" />
      </p>
    </main>
  );
}

const code = parseTicketPath(location.pathname);
const root = document.getElementById('ticket')!;
if (code) render(<TicketPage code={code} />, root);
else render(<p class="pub__notice">{zh.t('notFound.title')}</p>, root);
