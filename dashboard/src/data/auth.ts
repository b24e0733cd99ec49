/**
 * Who is signed in: the `me` of GET /api/auth/me, loaded at start, set by signing in and cleared by
 * signing out or by any 401. Installs the API hooks (CSRF token on writes, 401 → sign-in, 403 → the
 * refusal message), so the rest of the data layer never handles sessions itself.
 */
import type { Me, ScopeNode } from '@caideng/protocol';
import { writable } from '../lib/store';
import { ApiError, configureApi, getJson, postJson, request, type Refusal } from './api';

export type { Me, ScopeNode };
export type Role = Me['role'];
export type Action = Me['actions'][number];

/** The roles in the order the admin page offers them (the protocol's USER_ROLES; only types come from there). */
export const ROLES = ['staff', 'officer', 'committee', 'admin'] as const satisfies readonly Role[];

export type Session = { status: 'loading' } | { status: 'signedOut' } | { status: 'signedIn'; me: Me };

export const session = writable<Session>({ status: 'loading' });

/** The latest refusal (403) to show; cleared when the user moves on. */
export const refusal = writable<Refusal | null>(null);

export const currentMe = (): Me | undefined => {
  const s = session.get();
  return s.status === 'signedIn' ? s.me : undefined;
};

export const canOperate = (me: Me | undefined, compound: string) => !!me && me.operable.includes(compound);
/** Users, credentials, configuration. */
export const isAdmin = (me: Me | undefined) => me?.role === 'admin';
/** The audit log: admin for all, officers and the committee within their scope; staff not at all. */
export const canReadAudit = (me: Me | undefined) => !!me && me.role !== 'staff';

configureApi({
  csrfToken: () => currentMe()?.csrfToken ?? null,
  unauthorized: () => {
    if (session.get().status !== 'signedOut') session.set({ status: 'signedOut' });
  },
  forbidden: (r) => refusal.set(r),
  refreshCsrf: async () => {
    const before = currentMe()?.csrfToken ?? null;
    try {
      const me = await getJson<Me>('/api/auth/me');
      session.set({ status: 'signedIn', me });
      return !!me.csrfToken && me.csrfToken !== before;
    } catch {
      return false;
    }
  },
});

/** Loads the session at start: signed in (a cookie is still valid) or not. Retries while the controller is unreachable. */
export async function loadMe(signal?: AbortSignal): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      const me = await request<Me>('GET', '/api/auth/me', undefined, { quiet401: true, ...(signal ? { signal } : {}) });
      session.set({ status: 'signedIn', me });
      return;
    } catch (err) {
      if (signal?.aborted) return;
      if (err instanceof ApiError && err.status < 500) {
        session.set({ status: 'signedOut' });
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(1000 * 2 ** attempt, 15_000)));
    }
  }
}

/** Throws the ApiError of a refused sign-in (LOGIN_FAILED, LOGIN_LOCKED with `retryAfter`, VALIDATION). */
export async function signIn(username: string, password: string): Promise<Me> {
  const me = await postJson<Me>('/api/auth/login', { username, password }, { quiet401: true });
  refusal.set(null);
  session.set({ status: 'signedIn', me });
  return me;
}

/** Ends this session, or with `everywhere` every session of the user. Signed out here whatever the answer. */
export async function signOut(everywhere = false): Promise<void> {
  try {
    await postJson<void>('/api/auth/logout', everywhere ? { everywhere: true } : {}, { quiet401: true });
  } finally {
    refusal.set(null);
    session.set({ status: 'signedOut' });
  }
}
