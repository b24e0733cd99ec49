/**
 * The admin page: users, the signed-in user's API tokens, the audit log. Admins see all three; officers
 * and the committee only the audit log (the controller narrows it to their scope); staff none.
 */
import { canReadAudit, isAdmin, type Me } from '../data/auth';
import type { County } from '../data/county';
import { useI18n } from '../i18n';
import { href, type AdminTab } from '../lib/router';
import { AuditPanel } from './admin/auditPanel';
import { TokensPanel } from './admin/tokensPanel';
import { UsersPanel } from './admin/usersPanel';
import { ForbiddenView } from './forbiddenView';
import { useDocumentTitle } from './title';

export function adminTabs(me: Me): AdminTab[] {
  if (isAdmin(me)) return ['users', 'tokens', 'audit'];
  return canReadAudit(me) ? ['audit'] : [];
}

export function AdminView({ county, me, tab }: { county: County; me: Me; tab: AdminTab | undefined }) {
  const i = useI18n();
  const tabs = adminTabs(me);
  const current = tab ?? tabs[0];
  useDocumentTitle(current ? i.t(`admin.tab.${current}`) : i.t('refused.title'));
  if (!current || !tabs.includes(current)) return <ForbiddenView what={i.t(current === 'audit' ? 'refused.audit' : 'refused.users')} />;
  return (
    <div class="admin" data-admin-tab={current}>
      <h1 class="admin__title">{isAdmin(me) ? i.t('nav.admin') : i.t('nav.audit')}</h1>
      {tabs.length > 1 && (
        <nav class="tabs" aria-label={i.t('admin.tabs')}>
          {tabs.map((t) => (
            <a key={t} class="tabs__tab" href={href({ view: 'admin', tab: t })} aria-current={t === current ? 'page' : undefined} data-tab={t}>
              {i.t(`admin.tab.${t}`)}
            </a>
          ))}
        </nav>
      )}
      {current === 'users' ? <UsersPanel county={county} me={me} /> : current === 'tokens' ? <TokensPanel /> : <AuditPanel county={county} />}
    </div>
  );
}
