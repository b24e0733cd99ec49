/**
 * What a user sees when the controller refused them (403): what was refused, who they are signed in as,
 * and the way back. Never an empty or broken page.
 */
import { currentMe, refusal } from '../data/auth';
import type { Refusal } from '../data/api';
import { useI18n, type I18n } from '../i18n';
import { href } from '../lib/router';
import { useStore } from '../lib/store';

/** "打开小区 南湖逸都" / "send a command to …": the refused request in words; the raw path when unknown. */
export function describeRefusal(i: I18n, r: Pick<Refusal, 'method' | 'path'>, name: (compound: string) => string): string {
  const compound = /^\/api\/compounds\/([^/]+)(\/[^?]*)?$/.exec(r.path);
  if (compound) {
    const target = name(decodeURIComponent(compound[1]!));
    return /\/commands$/.test(compound[2] ?? '') ? i.t('refused.command', { target }) : i.t('refused.compound', { target });
  }
  if (r.method === 'subscribe') return i.t('refused.live');
  if (r.path.startsWith('/api/users')) return i.t('refused.users');
  if (r.path.startsWith('/api/audit')) return i.t('refused.audit');
  return `${r.method} ${r.path}`;
}

function Explanation({ what }: { what: string }) {
  const i = useI18n();
  const me = currentMe();
  return (
    <p>
      {i.t('refused.body', { what })}
      {me && (
        <>
          {' '}
          {i.t('refused.who', { user: me.displayName || me.username, role: i.t(`role.${me.role}`) })}
        </>
      )}
    </p>
  );
}

export function ForbiddenView({ what }: { what: string }) {
  const i = useI18n();
  return (
    <section class="panel empty-state forbidden" role="alert" data-testid="forbidden">
      <h1>
        <span aria-hidden="true">⛔ </span>
        {i.t('refused.title')}
      </h1>
      <Explanation what={what} />
      <a href={href({ view: 'county' })}>{i.t('notFound.back')}</a>
    </section>
  );
}

/** A refusal of an action on a page that otherwise works (a command, a subscription): a dismissible banner. */
export function RefusalBanner({ name }: { name: (compound: string) => string }) {
  const i = useI18n();
  const r = useStore(refusal);
  if (!r) return null;
  return (
    <div class="banner banner--refused" role="alert" data-testid="forbidden-banner">
      <strong>
        <span aria-hidden="true">⛔ </span>
        {i.t('refused.title')}
      </strong>{' '}
      <Explanation what={describeRefusal(i, r, name)} />
      <button type="button" class="button button--small" onClick={() => refusal.set(null)}>
        {i.t('refused.dismiss')}
      </button>
    </div>
  );
}
