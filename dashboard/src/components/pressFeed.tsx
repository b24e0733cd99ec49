import type { County } from '../data/county';
import type { KioskButton, Press } from '../data/presses';
import { useI18n } from '../i18n';

const MOOD: Record<KioskButton, 'good' | 'bad' | 'ask'> = {
  satisfied: 'good',
  unsatisfied: 'bad',
  too_bright: 'bad',
  too_late: 'bad',
  broken_lantern: 'bad',
  help: 'ask',
};

/** The latest kiosk presses, newest first; on a compound's page only its own. */
export function PressFeed({ presses, county, limit = 8, showCompound = true }: { presses: readonly Press[]; county: County; limit?: number; showCompound?: boolean }) {
  const i = useI18n();
  const shown = presses.slice(0, limit);
  return (
    <section class="panel feed" aria-labelledby="feed-title" data-testid="press-feed">
      <h2 id="feed-title" class="panel__title">{i.t('presses.title')}</h2>
      {shown.length === 0 ? (
        <p class="muted">{i.t('presses.empty')}</p>
      ) : (
        <ol class="feed__list" aria-live="polite">
          {shown.map((p) => {
            const compound = county.compound(p.compound);
            const kiosk = county.kiosk(p.compound, p.kiosk);
            return (
              <li key={`${p.compound}/${p.kiosk}/${p.seq}`} class={`feed__item feed__item--${MOOD[p.button]}`} data-press={`${p.compound}/${p.kiosk}/${p.seq}`}>
                <span class="feed__button">{i.t(`button.${p.button}`)}</span>
                <span class="feed__where">
                  {showCompound
                    ? i.t('presses.entry', { compound: i.name(compound, p.compound), kiosk: i.name(kiosk, p.kiosk) })
                    : i.name(kiosk, p.kiosk)}
                </span>
                <time class="feed__time" dateTime={new Date(p.ts).toISOString()}>{i.time(p.ts)}</time>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
