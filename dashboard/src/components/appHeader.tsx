import type { County } from '../data/county';
import { useI18n } from '../i18n';
import { href } from '../lib/router';
import { ConnectionIndicator } from './connectionIndicator';
import { LanguageToggle } from './languageToggle';

export function AppHeader({ county }: { county: County | undefined }) {
  const i = useI18n();
  return (
    <header class="app-header">
      <a class="app-header__brand" href={href({ view: 'county' })}>
        <LanternMark />
        <span>
          <span class="app-header__title">{i.t('app.title')}</span>
          <span class="app-header__subtitle">
            {i.t('app.subtitle', { county: county ? `${i.name(county.info.city)} ${i.name(county.info.county)}` : '' })}
          </span>
        </span>
      </a>
      <div class="app-header__tools">
        <ConnectionIndicator />
        <LanguageToggle />
      </div>
    </header>
  );
}

function LanternMark() {
  return (
    <svg class="lantern-mark" viewBox="0 0 32 40" aria-hidden="true">
      <line x1="16" y1="0" x2="16" y2="5" stroke="#f2c14e" stroke-width="1.5" />
      <rect x="11" y="5" width="10" height="4" rx="1" fill="#f2c14e" />
      <ellipse cx="16" cy="20" rx="13" ry="11" fill="#d7262e" />
      <path d="M16 9 C10 13 10 27 16 31 M16 9 C22 13 22 27 16 31" stroke="#f2c14e" stroke-opacity=".55" fill="none" />
      <rect x="11" y="31" width="10" height="3" rx="1" fill="#f2c14e" />
      <path d="M13 34 L13 40 M16 34 L16 40 M19 34 L19 40" stroke="#f2c14e" stroke-width="1" />
    </svg>
  );
}
