/** The signed-in user's personal API tokens: GET/POST /api/tokens, DELETE /api/tokens/:id. */
import { deleteJson, getJson, postJson } from './api';

export interface ApiToken {
  id: string;
  username: string;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
  expiresAt: number | null;
}

export const fetchTokens = (signal?: AbortSignal) => getJson<ApiToken[]>('/api/tokens', signal);
/** `token` (cdt_…) is in this answer only: it is stored hashed. */
export const createToken = (name: string, expiresInDays?: number) =>
  postJson<ApiToken & { token: string }>('/api/tokens', expiresInDays ? { name, expiresInDays } : { name });
export const revokeToken = (id: string) => deleteJson(`/api/tokens/${encodeURIComponent(id)}`);
