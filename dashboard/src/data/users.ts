/** Accounts (role admin): GET/POST /api/users, PATCH /api/users/:username, POST /api/users/:username/password. */
import type { User, UserCreateBody, UserPatchBody } from '@caideng/protocol';
import { getJson, patchJson, postJson } from './api';

export type { User };
export type NewUser = Omit<UserCreateBody, 'password'>;

export type UserChange = UserPatchBody;

/** The controller's rule (protocol USERNAME_PATTERN), so a bad name is caught at the field before it is sent. */
export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{1,31}$/;

const path = (username: string) => `/api/users/${encodeURIComponent(username)}`;

export const fetchUsers = (signal?: AbortSignal) => getJson<User[]>('/api/users', signal);
/** The controller generates the password and returns it this once. */
export const createUser = (user: NewUser) => postJson<{ user: User; password?: string }>('/api/users', user);
export const updateUser = (username: string, change: UserChange) => patchJson<User>(path(username), change);
export const resetPassword = (username: string) => postJson<{ password: string }>(`${path(username)}/password`, {});
