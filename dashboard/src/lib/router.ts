/**
 * Hash routing: `#/` is the county overview, `#/compound/<id>` one compound, `#/signin?next=<path>` the
 * sign-in page (back to `next` afterwards), `#/admin/<tab>` users, tokens and the audit log. Works from
 * any static host. `#/feedback[/<compound>]` residents' feedback, `#/tickets` the ticket board and
 * `#/tickets/<code>` one ticket. `#/schedule/<id>` is a compound's schedule, `#/schedule` the schedule of the
 * user's area. `#/wall` is the county wall (all compounds at a glance, for a wall screen).
 * user's area. `#/scenes` is the scene library, `#/scenes/<name>` edits a stored scene and
 * `#/scenes/new[?from=<scene>]` drafts a new one (blank or a copy).
 */
import { useEffect, useState } from 'preact/hooks';

export const ADMIN_TABS = ['users', 'tokens', 'audit'] as const;
export type AdminTab = (typeof ADMIN_TABS)[number];

export type Route =
  | { view: 'county' }
  | { view: 'compound'; compound: string }
  | { view: 'signin'; next?: string }
  | { view: 'admin'; tab?: AdminTab }
  | { view: 'notFound'; path: string }
  | { view: 'feedback'; compound?: string }
  | { view: 'tickets' }
  | { view: 'ticket'; code: string }
  | { view: 'schedule'; compound?: string }
  | { view: 'wall' }
  | { view: 'scenes'; name?: string; from?: string };

export function parseRoute(hash: string): Route {
  const full = hash.replace(/^#/, '') || '/';
  const [path = '/', query = ''] = full.split('?', 2);
  if (path === '/') return { view: 'county' };
  const m = /^\/compound\/([a-z0-9][a-z0-9-]{0,47})\/?$/.exec(path);
  if (m) return { view: 'compound', compound: m[1]! };
  if (path === '/signin') {
    const next = safeNext(new URLSearchParams(query).get('next'));
    return next ? { view: 'signin', next } : { view: 'signin' };
  }
  const a = /^\/admin(?:\/([a-z]+))?\/?$/.exec(path);
  if (a) {
    const tab = a[1];
    if (tab === undefined) return { view: 'admin' };
    if ((ADMIN_TABS as readonly string[]).includes(tab)) return { view: 'admin', tab: tab as AdminTab };
  }
  const f = /^\/feedback(?:\/([a-z0-9][a-z0-9-]{0,47}))?\/?$/.exec(path);
  if (f) return f[1] ? { view: 'feedback', compound: f[1] } : { view: 'feedback' };
  if (path === '/tickets' || path === '/tickets/') return { view: 'tickets' };
  const t = /^\/tickets\/([A-Za-z0-9-]{3,32})\/?$/.exec(path);
  if (t) return { view: 'ticket', code: t[1]! };
  const sc = /^\/schedule(?:\/([a-z0-9][a-z0-9-]{0,47}))?\/?$/.exec(path);
  if (sc) return sc[1] ? { view: 'schedule', compound: sc[1] } : { view: 'schedule' };
  if (path === '/wall' || path === '/wall/') return { view: 'wall' };
  if (path === '/scenes' || path === '/scenes/') return { view: 'scenes' };
  const lib = /^\/scenes\/([a-z0-9][a-z0-9-]{0,47})\/?$/.exec(path);
  if (lib) {
    const from = new URLSearchParams(query).get('from');
    return lib[1] === 'new' && from && /^[a-z0-9][a-z0-9-]{0,47}$/.test(from) ? { view: 'scenes', name: 'new', from } : { view: 'scenes', name: lib[1]! };
  }
  return { view: 'notFound', path: full };
}

export function href(route: Route): string {
  switch (route.view) {
    case 'county':
      return '#/';
    case 'compound':
      return `#/compound/${route.compound}`;
    case 'signin':
      return route.next && route.next !== '/' ? `#/signin?next=${encodeURIComponent(route.next)}` : '#/signin';
    case 'admin':
      return route.tab ? `#/admin/${route.tab}` : '#/admin';
    case 'notFound':
      return `#${route.path}`;
    case 'feedback':
      return route.compound ? `#/feedback/${route.compound}` : '#/feedback';
    case 'tickets':
      return '#/tickets';
    case 'ticket':
      return `#/tickets/${encodeURIComponent(route.code)}`;
    case 'schedule':
      return route.compound ? `#/schedule/${route.compound}` : '#/schedule';
    case 'wall':
      return '#/wall';
    case 'scenes':
      return route.name ? `#/scenes/${route.name}${route.from ? `?from=${encodeURIComponent(route.from)}` : ''}` : '#/scenes';
  }
}

/**
 * Where to return after signing in: only a path inside this page (`/…`, never the sign-in page itself,
 * never `//host`), so a crafted link cannot send a user elsewhere.
 */
export function safeNext(next: string | null | undefined): string | undefined {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.length > 512) return undefined;
  if (/[\s\\]/.test(next)) return undefined;
  if (next === '/signin' || next.startsWith('/signin?')) return undefined;
  return next;
}

/** The sign-in page that comes back to `hash` (the page the user was on, `#/…`). */
export function signInHref(hash: string): string {
  const path = hash.replace(/^#/, '') || '/';
  return href({ view: 'signin', next: safeNext(path) ?? '/' });
}

/** Where a successful sign-in goes: the page the user wanted, else the overview. */
export function afterSignIn(route: Route): string {
  return `#${route.view === 'signin' ? (route.next ?? '/') : '/'}`;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => {
      setRoute(parseRoute(location.hash));
      window.scrollTo(0, 0);
    };
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
