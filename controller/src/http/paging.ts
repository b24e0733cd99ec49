/**
 * `?offset=&limit=` for list routes: a city's 2,000 compounds need not be one answer. Without either the
 * answer is today's whole list, so existing clients (the dashboard) keep working; with them, a slice of it.
 * Either way `x-total-count` says how many there are in all.
 */
import type { FastifyReply } from 'fastify';
import Type from 'typebox';

export const PAGE_LIMIT_MAX = 5000;

/** Query strings arrive as text (no coercion): numbers by pattern. */
export const PageQuery = Type.Object(
  {
    offset: Type.Optional(Type.String({ pattern: '^(0|[1-9][0-9]{0,8})$', description: 'entries to skip, default 0' })),
    limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,3}$', description: `entries at most, up to ${PAGE_LIMIT_MAX}; default all` })),
  },
  { additionalProperties: false },
);
export type PageQuery = Type.Static<typeof PageQuery>;

/** The page of `items` that `query` asks for; sets `x-total-count`. A limit over the maximum is clamped. */
export function pageOf<T>(items: readonly T[], query: PageQuery | undefined, reply: FastifyReply): T[] {
  reply.header('x-total-count', String(items.length));
  if (query?.offset === undefined && query?.limit === undefined) return items as T[];
  const offset = Number(query.offset ?? 0);
  const limit = Math.min(PAGE_LIMIT_MAX, Number(query.limit ?? PAGE_LIMIT_MAX));
  return items.slice(offset, offset + limit);
}
