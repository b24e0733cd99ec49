/**
 * Who may do what, where. Every `/api/*` route declares its access in its route config
 * (`config: { access }`), and socket.io subscriptions use the same check, so one function decides for
 * HTTP and live updates alike. The organisation is the registry's tree (市 → 县 → 街道 → 社区 → 小区):
 * a user's scopes are nodes of it, and a node covers every compound below it.
 */
import type { FastifyRequest } from 'fastify';

export const ROLES = ['staff', 'officer', 'committee', 'admin'] as const;
export type UserRole = (typeof ROLES)[number];

/**
 * - `read`: see state, history, presses, energy, rejections of a compound;
 * - `operate`: play, dim, switch off, schedule a compound's lanterns (staff of it, admin);
 * - `govern`: set rules that bind the compounds below a node: curfews, budgets (officers, admin);
 * - `author`: edit the county's scene library (staff, officers, admin);
 * - `admin`: users, devices, credentials, configuration.
 */
export const ACTIONS = ['read', 'operate', 'govern', 'author', 'admin'] as const;
export type Action = (typeof ACTIONS)[number];

/**
 * A route's access declaration. `compound` names where the route's compound id is found (a path
 * parameter or a query string field, both called `compound`); without it the check is made at the level
 * of the whole county and list handlers narrow their answer with `compoundFilter(req)`.
 */
export type RouteAccess = { public: string } | { action: Action; compound?: 'param' | 'query' };

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
