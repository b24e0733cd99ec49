/**
 * Where a ticket stands, in the resident's words and in both languages: 已受理 · 社区办理中 · 已解决.
 * The three steps are marked done / current with a tick and with words, not by colour alone.
 */
import { residentStep, type Level, type TicketState } from '../data/feedbackTypes';
import { i18nFor } from '../i18n';

const zh = i18nFor('zh-CN');
const en = i18nFor('en');

type Step = { key: 'accepted' | 'handling' | 'resolved'; zh: string; en: string; done: boolean; current: boolean };

export function ticketSteps(state: TicketState, level: Level): Step[] {
  const step = residentStep(state);
  // A ticket passed up to the community is in someone's hands even if nobody at the compound took it.
  const resolved = step === 'resolved';
  const accepted = resolved || step !== 'received' || level !== 'compound';
  return [
    { key: 'accepted', zh: zh.t(accepted ? 'ticketStep.accepted' : 'ticketStep.received'), en: en.t(accepted ? 'ticketStep.accepted' : 'ticketStep.received'), done: accepted, current: !accepted },
    {
      key: 'handling',
      zh: zh.t(step === 'waiting' ? 'ticketStep.waiting' : 'ticketStep.handling', { level: zh.t(`level.${level}`) }),
      en: en.t(step === 'waiting' ? 'ticketStep.waiting' : 'ticketStep.handling', { level: en.t(`level.${level}`) }),
      done: resolved,
      current: accepted && !resolved,
    },
    { key: 'resolved', zh: zh.t('ticketStep.resolved'), en: en.t('ticketStep.resolved'), done: resolved, current: false },
  ];
}

export function TicketSteps({ state, level }: { state: TicketState; level: Level }) {
  const steps = ticketSteps(state, level);
  const now = steps.find((s) => s.current) ?? steps[steps.length - 1]!;
  return (
    <ol class="steps" data-testid="ticket-steps" data-now={now.key} aria-label={`${now.zh} / ${now.en}`}>
      {steps.map((s) => (
        <li key={s.key} class={`steps__step${s.done ? ' steps__step--done' : ''}${s.current ? ' steps__step--current' : ''}`} data-step={s.key}>
          <span class="steps__mark" aria-hidden="true">{s.done ? '✓' : s.current ? '●' : '○'}</span>
          <span class="steps__zh">{s.zh}</span>
          <span class="steps__en" lang="en">{s.en}</span>
        </li>
      ))}
    </ol>
  );
}
