/**
 * The courtyard kiosk's touch page (反馈亭), `/kiosk/{compound}/{kiosk}`: big buttons, "已收到 ✓" when the
 * controller's receipt arrives, and where this kiosk's recent tickets stand. The credentials come once from
 * the admin's link (`#k=<one-time code>`, exchanged at POST /api/kiosk-page/claim) and stay in localStorage;
 * residents never type anything.
 */
import { render } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { KioskButton, KioskStatus } from '../data/feedbackTypes';
import { BUTTONS } from '../data/feedbackTypes';
import { i18nFor } from '../i18n';
import { TicketSteps } from '../public/ticketSteps';
import { ButtonIcon } from './icons';
import { loadCredentials, Outbox, saveCredentials, type KioskCredentials } from './outbox';
import { openLink, type KioskLink, type LinkState } from './link';
import '../public/public.css';

const zh = i18nFor('zh-CN');
const en = i18nFor('en');

/** `/kiosk/{compound}/{kiosk}` → its ids. */
export function parseKioskPath(path: string): { compound: string; kiosk: string } | null {
  const m = /^\/kiosk\/([a-z0-9][a-z0-9-]{0,47})\/([a-z0-9][a-z0-9-]{0,47})\/?$/.exec(path);
  return m ? { compound: m[1]!, kiosk: m[2]! } : null;
}

/** The one-time code of the admin's link, `#k=…`. */
export const linkCode = (hash: string) => new URLSearchParams(hash.replace(/^#/, '')).get('k');

type Setup = { status: 'claiming' } | { status: 'ready'; creds: KioskCredentials } | { status: 'missing'; error?: string };

async function claim(code: string, where: { compound: string; kiosk: string }): Promise<KioskCredentials> {
  const res = await fetch('/api/kiosk-page/claim', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ code }),
  });
  const body = (await res.json().catch(() => ({}))) as Partial<KioskCredentials> & { message?: string };
  if (!res.ok) throw new Error(body.message ?? `${res.status}`);
  if (body.compound !== where.compound || body.kiosk !== where.kiosk) throw new Error(`the link is for ${body.compound}/${body.kiosk}`);
  return { username: body.username!, password: body.password!, wsUrl: body.wsUrl ?? '/mqtt', compound: where.compound, kiosk: where.kiosk, buttons: body.buttons?.length ? body.buttons : [...BUTTONS] };
}

function KioskPage({ compound, kiosk }: { compound: string; kiosk: string }) {
  const [setup, setSetup] = useState<Setup>(() => {
    const saved = loadCredentials(localStorage, compound, kiosk);
    if (linkCode(location.hash)) return { status: 'claiming' };
    return saved ? { status: 'ready', creds: saved } : { status: 'missing' };
  });
  useEffect(() => {
    const code = linkCode(location.hash);
    if (!code) return;
    // The code is spent by this request: take it off the address bar whatever happens.
    history.replaceState(null, '', location.pathname + location.search);
    claim(code, { compound, kiosk }).then(
      (creds) => {
        saveCredentials(localStorage, creds);
        setSetup({ status: 'ready', creds });
      },
      (err: Error) => {
        const saved = loadCredentials(localStorage, compound, kiosk);
        setSetup(saved ? { status: 'ready', creds: saved } : { status: 'missing', error: err.message });
      },
    );
  }, []);
  if (setup.status === 'claiming') return <p class="kiosk__notice">{zh.t('kiosk.claiming')}</p>;
  if (setup.status === 'missing')
    return (
      <div class="kiosk__notice" data-testid="kiosk-unprovisioned" role="alert">
        <p>{zh.t('kiosk.unprovisioned')}</p>
        <p class="small" lang="en">{en.t('kiosk.unprovisioned')}</p>
        {setup.error && <p class="small">{setup.error}</p>}
      </div>
    );
  return <Kiosk creds={setup.creds} />;
}

type Flash = { button: KioskButton; seq: number; state: 'saved' | 'received' };

function Kiosk({ creds }: { creds: KioskCredentials }) {
  const outbox = useMemo(() => new Outbox(localStorage, creds.compound, creds.kiosk), [creds]);
  const link = useRef<KioskLink | null>(null);
  const [state, setState] = useState<LinkState>('connecting');
  const [pending, setPending] = useState(outbox.pending.length);
  const [flash, setFlash] = useState<Flash | null>(null);
  const [status, setStatus] = useState<KioskStatus | null>(null);
  const [rejected, setRejected] = useState<string | null>(null);
  const flashTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  useEffect(() => {
    let closed = false;
    openLink(creds, {
      state: (s) => !closed && setState(s),
      pending: () => outbox.pending,
      receipt: (r) => {
        const press = outbox.confirm(r.seq, r.boot);
        setPending(outbox.pending.length);
        if (!press) return;
        setFlash((f) => (f && f.seq === press.seq ? { ...f, state: 'received' } : f));
      },
      status: (s) => setStatus(s),
      rejected: (code, message) => setRejected(`${code} ${message}`.trim()),
    }).then(
      (l) => (closed ? l.close() : (link.current = l)),
      () => setState('offline'),
    );
    return () => {
      closed = true;
      link.current?.close();
      link.current = null;
    };
  }, [creds]);

  const press = (button: KioskButton) => {
    const p = outbox.add(button, Date.now());
    setPending(outbox.pending.length);
    setRejected(null);
    setFlash({ button, seq: p.seq, state: 'saved' });
    clearTimeout(flashTimer.current);
    flashTimer.current = setTimeout(() => setFlash(null), 8000);
    link.current?.send(p);
  };

  return (
    <div class="kiosk" data-kiosk={`${creds.compound}/${creds.kiosk}`} data-link={state} data-pending={pending}>
      <header class="kiosk__head">
        <h1 class="kiosk__title">
          {zh.t('kiosk.title')} <span class="kiosk__en" lang="en">{en.t('kiosk.title')}</span>
        </h1>
        <p class={`kiosk__link kiosk__link--${state}`} data-testid="kiosk-link" role="status">
          <span class="kiosk__dot" aria-hidden="true" />
          {zh.t(`kiosk.link.${state}`)} <span lang="en">{en.t(`kiosk.link.${state}`)}</span>
          {pending > 0 && state !== 'online' && (
            <span data-testid="kiosk-queued"> · {zh.t('kiosk.queued', { n: pending })}</span>
          )}
        </p>
      </header>

      <div class="kiosk__buttons" role="group" aria-label={zh.t('kiosk.title')}>
        {creds.buttons.map((b) => (
          <button type="button" key={b} class={`kbutton kbutton--${b}`} data-button={b} onClick={() => press(b)}>
            <ButtonIcon button={b} />
            <span class="kbutton__zh">{zh.t(`button.${b}`)}</span>
            <span class="kbutton__en" lang="en">{en.t(`button.${b}`)}</span>
          </button>
        ))}
      </div>

      <p class={`kiosk__flash${flash ? ` kiosk__flash--${flash.state}` : ''}`} data-testid="kiosk-flash" data-state={flash?.state ?? ''} aria-live="assertive">
        {flash &&
          (flash.state === 'received' ? (
            <>
              {zh.t('kiosk.received')} <span lang="en">{en.t('kiosk.received')}</span>
            </>
          ) : (
            <>
              {zh.t(state === 'online' ? 'kiosk.sending' : 'kiosk.savedOffline')} <span lang="en">{en.t(state === 'online' ? 'kiosk.sending' : 'kiosk.savedOffline')}</span>
            </>
          ))}
      </p>
      {rejected && (
        <p class="kiosk__rejected small" role="alert" data-testid="kiosk-rejected">
          {zh.t('kiosk.rejected')} {rejected}
        </p>
      )}

      {status && status.tickets.length > 0 && (
        <section class="kiosk__tickets" aria-labelledby="kiosk-tickets-title">
          <h2 id="kiosk-tickets-title" class="kiosk__subtitle">
            {zh.t('kiosk.tickets')} <span lang="en">{en.t('kiosk.tickets')}</span>
          </h2>
          <ul class="kiosk__ticketList">
            {status.tickets.map((t) => (
              <li key={t.code} class="kticket" data-ticket={t.code} data-state={t.state} data-level={t.level}>
                <span class="kticket__code">{t.code}</span>
                <TicketSteps state={t.state} level={t.level} />
                <span class="kticket__check small muted">{zh.t('kiosk.checkAt', { path: `/t/${t.code}` })}</span>
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}

const where = parseKioskPath(location.pathname);
const root = document.getElementById('kiosk')!;
if (where) render(<KioskPage {...where} />, root);
else render(<p class="kiosk__notice">{zh.t('kiosk.badPath')}</p>, root);
