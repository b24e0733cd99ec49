import type { County } from '../data/county';
import { canReadAudit, isAdmin, signOut, type Me } from '../data/auth';
import { DemoClockBadge } from './demoClock';
import { useI18n } from '../i18n';
import { href, type Route } from '../lib/router';
import { ConnectionIndicator } from './connectionIndicator';
import { LanguageToggle } from './languageToggle';

export function AppHeader({ county, me, route }: { county: County | undefined; me: Me; route: Route }) {
  const i = useI18n();
  const admin = isAdmin(me);
  const audit = canReadAudit(me);
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
      <nav class="app-nav" aria-label={i.t('nav.label')}>
        <a href={href({ view: 'county' })} aria-current={route.view === 'county' ? 'page' : undefined}>
          {i.t('nav.overview')}
        </a>
        <a href={href({ view: 'feedback' })} aria-current={route.view === 'feedback' ? 'page' : undefined} data-testid="nav-feedback">
          {i.t('nav.feedback')}
        </a>
        <a href={href({ view: 'tickets' })} aria-current={route.view === 'tickets' || route.view === 'ticket' ? 'page' : undefined} data-testid="nav-tickets">
          {i.t('nav.tickets')}
        </a>
        <a href={href({ view: 'schedule' })} aria-current={route.view === 'schedule' ? 'page' : undefined} data-testid="nav-schedule">
          {i.t('nav.schedule')}
        </a>
        {me.role !== 'staff' && (
          <a href={href({ view: 'wall' })} aria-current={route.view === 'wall' ? 'page' : undefined} data-testid="nav-wall">
            {i.t('nav.wall')}
          </a>
        )}
        <a href={href({ view: 'scenes' })} aria-current={route.view === 'scenes' ? 'page' : undefined} data-testid="nav-scenes">
          {i.t('nav.scenes')}
        </a>
        {(admin || audit) && (
          <a href={href({ view: 'admin', tab: admin ? 'users' : 'audit' })} aria-current={route.view === 'admin' ? 'page' : undefined} data-testid="nav-admin">
            {admin ? i.t('nav.admin') : i.t('nav.audit')}
          </a>
        )}
      </nav>
      <div class="app-header__tools">
        <DemoClockBadge />
        <ConnectionIndicator />
        <UserBadge me={me} />
        <LanguageToggle />
      </div>
    </header>
  );
}

/** Who is signed in (name, role, scope) and the ways out. */
function UserBadge({ me }: { me: Me }) {
  const i = useI18n();
  const scopes = i.list(me.scopeNodes.map((n) => i.name(n)));
  return (
    <div class="user" data-testid="user" data-role={me.role}>
      <span class="user__who">
        <span class="user__name" data-testid="user-name">{me.displayName || me.username}</span>
        <span class="user__role" data-testid="user-role">
          {i.t(`role.${me.role}`)}
          {scopes && <span class="user__scope" data-testid="user-scope">{` · ${scopes}`}</span>}
        </span>
      </span>
      <span class="user__actions">
        <button type="button" class="button button--small" data-testid="sign-out" onClick={() => void signOut(false)}>
          {i.t('user.signOut')}
        </button>
        <button
          type="button"
          class="button button--small button--quiet"
          data-testid="sign-out-everywhere"
          title={i.t('user.signOutEverywhereTitle')}
          onClick={() => {
            if (confirm(i.t('user.signOutEverywhereConfirm'))) void signOut(true);
          }}
        >
          {i.t('user.signOutEverywhere')}
        </button>
      </span>
    </div>
  );
}

export function LanternMark() {
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
