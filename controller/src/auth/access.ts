/**
 * Who may do what, where. Every `/api/*` route declares its access in its route config
 * (`config: { access }`), and socket.io subscriptions use the same check, so one function decides for
 * HTTP and live updates alike. The organisation is the registry's tree (市 → 县 → 街道 → 社区 → 小区):
 * a user's scopes are nodes of it, and a node covers every compound below it.
 */
import type { FastifyRequest } from 'fastify';
import type { ScopeTree } from './scopes.js';

export const ROLES = ['staff', 'officer', 'committee', 'admin'] as const;
export type UserRole = (typeof ROLES)[number];

/**
 * - `read`: see state, history, presses, energy, rejections of a compound;
 * - `operate`: play, dim, switch off, schedule a compound's lanterns (staff of it, admin);
 * - `govern`: set rules that bind the compounds below a node: curfews, budgets (officers, admin);
 * - `author`: edit the county's scene library (staff, officers, admin);
 * - `audit`: read the audit log of a scope (officers, the committee, admin);
 * - `admin`: users, devices, credentials, configuration;
 * - `self`: one's own account: who am I, sign out, password, API tokens (anyone signed in);
 * - `handle`: act on residents' tickets of a compound (acknowledge, resolve, escalate, …); the ticket's
 *   level must also be one the person stands at (features/feedback/tickets.ts).
 */
export const ACTIONS = ['read', 'operate', 'govern', 'author', 'audit', 'admin', 'self', 'handle'] as const;
export type Action = (typeof ACTIONS)[number];

/**
 * A route's access declaration. `compound` names where the route's compound id is found (a path
 * parameter or a query string field, both called `compound`); without it the check is made at the level
 * of the whole county and list handlers narrow their answer with `compoundFilter(req)`.
 */
export type RouteAccess =
  | { public: string }
  | {
      action: Action;
      compound?: 'param' | 'query';
      /** The audit log's name for a write through this route, e.g. `command.compound`; defaults to method and path. */
      audit?: string;
    };

export interface Principal {
  username: string;
  role: UserRole;
  /** Registry node ids: a compound, community, street, the county or the city. */
  scopes: readonly string[];
  via: 'session' | 'token' | 'admin-token';
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyRequest {
    principal?: Principal;
    /** Compounds the principal may read; undefined while no one is signed in or for the whole county. */
    visibleCompounds?: ReadonlySet<string>;
  }
}

/** For list and aggregate handlers: whether a compound is within what the caller may read. */
export function compoundFilter(req: FastifyRequest): (compound: string) => boolean {
  const visible = req.visibleCompounds;
  return visible ? (compound) => visible.has(compound) : () => true;
}

/**
 * Which roles may take an action, and whether the action is bound to the principal's scope. The one
 * table behind every check; `authorize` reads it and nothing else.
 */
export const POLICY: Record<Action, { roles: readonly UserRole[]; scoped: boolean }> = {
  read: { roles: ['staff', 'officer', 'committee', 'admin'], scoped: true },
  operate: { roles: ['staff', 'admin'], scoped: true },
  govern: { roles: ['officer', 'admin'], scoped: true },
  author: { roles: ['staff', 'officer', 'admin'], scoped: false },
  audit: { roles: ['officer', 'committee', 'admin'], scoped: true },
  admin: { roles: ['admin'], scoped: false },
  self: { roles: ['staff', 'officer', 'committee', 'admin'], scoped: false },
  handle: { roles: ['staff', 'officer', 'committee', 'admin'], scoped: true },
};

/** What a principal's scopes cover, resolved once per request or socket. */
export interface Reach {
  principal: Principal;
  compounds: ReadonlySet<string>;
  /** Covers every compound of the county (admins always). */
  all: boolean;
}

export function reachOf(principal: Principal, tree: ScopeTree): Reach {
  if (principal.role === 'admin') return { principal, compounds: tree.allCompounds, all: true };
  const compounds = tree.compoundsOf(principal.scopes);
  return { principal, compounds, all: tree.coversAll(compounds) };
}

/**
 * The one authorization function, for HTTP routes and socket.io alike: may this principal take `action`,
 * on `compound` when the action concerns one? Without a compound, a scoped action asks whether the
 * principal may take it anywhere (list handlers then narrow their answer).
 */
export function authorize(reach: Reach, action: Action, compound?: string): boolean {
  const rule = POLICY[action];
  if (!rule.roles.includes(reach.principal.role)) return false;
  if (!rule.scoped || reach.principal.role === 'admin') return true;
  return compound === undefined ? reach.compounds.size > 0 : reach.compounds.has(compound);
}

/** The actions a role has somewhere (for the dashboard to hide what it cannot do). */
export function actionsOf(role: UserRole): Action[] {
  return ACTIONS.filter((a) => POLICY[a].roles.includes(role));
}
