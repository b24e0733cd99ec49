/** A deadline counting down live: time left (or overdue), the warning share reached, or paused while waiting. */
import { useEffect } from 'preact/hooks';
import { useI18n, type I18n } from '../i18n';
import { writable, useStore } from '../lib/store';

/** One clock for every countdown on the page, ticking each second while any is shown. */
const clock = writable(Date.now());
let users = 0;
let timer: ReturnType<typeof setInterval> | undefined;

export function useNow(): number {
  useEffect(() => {
    if (users++ === 0) timer = setInterval(() => clock.set(Date.now()), 1000);
    return () => {
      if (--users === 0) clearInterval(timer);
    };
  }, []);
  return useStore(clock);
}

export function span(i: I18n, ms: number): string {
  const m = Math.floor(Math.abs(ms) / 60_000);
  const s = Math.floor((Math.abs(ms) % 60_000) / 1000);
  const d = Math.floor(m / 1440);
  const h = Math.floor((m % 1440) / 60);
  if (d > 0) return i.t('span.dh', { d, h });
  if (h > 0) return i.t('span.hm', { h, m: m % 60 });
  return i.t('span.ms', { m, s });
}

export function Countdown({ deadlineAt, warnAt, pausedAt }: { deadlineAt: number | null; warnAt: number | null; pausedAt?: number | undefined }) {
  const i = useI18n();
  const now = useNow();
  if (pausedAt !== undefined) return <span class="countdown countdown--paused" data-countdown="paused">⏸ {i.t('countdown.paused')}</span>;
  if (deadlineAt === null) return <span class="countdown muted" data-countdown="none">{i.t('countdown.none')}</span>;
  const left = deadlineAt - now;
  const state = left <= 0 ? 'overdue' : warnAt !== null && now >= warnAt ? 'warn' : 'ok';
  return (
    <span class={`countdown countdown--${state}`} data-countdown={state} title={i.stamp(deadlineAt)}>
      {state === 'overdue' ? `⚠ ${i.t('countdown.overdue', { span: span(i, left) })}` : `${state === 'warn' ? '⚠ ' : ''}${i.t('countdown.left', { span: span(i, left) })}`}
    </span>
  );
}
