/** The signed-in user's personal API tokens: GET/POST /api/tokens, DELETE /api/tokens/:id. */
import type { ApiToken, TokenCreated } from '@caideng/protocol';
import { deleteJson, getJson, postJson } from './api';

export type { ApiToken, TokenCreated };

export const fetchTokens = (signal?: AbortSignal) => getJson<ApiToken[]>('/api/tokens', signal);
/** `token` (cdt_…) is in this answer only: it is stored hashed. */
export const createToken = (name: string, expiresInDays?: number) =>
  postJson<TokenCreated>('/api/tokens', expiresInDays ? { name, expiresInDays } : { name });
export const revokeToken = (id: string) => deleteJson(`/api/tokens/${encodeURIComponent(id)}`);
