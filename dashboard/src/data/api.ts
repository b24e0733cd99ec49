/**
 * Thin typed HTTP calls to the controller (same origin, session cookie). Errors carry the controller's
 * error code. Writes send the session's CSRF token; a 401 and a 403 are reported to the handlers the
 * session module installs (`configureApi`), so every caller gets the same sign-in redirect and refusal
 * message without handling them itself.
 */

/** The controller's one error body shape (controller/src/http/errors.ts). */
export interface ErrorBody {
  statusCode: number;
  code: string;
  error: string;
  message: string;
  details?: unknown;
}

/** A validation problem of a 400: `path` like `body/password`. */
export interface FieldProblem {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
    readonly details?: unknown,
    /** Seconds from the `retry-after` header (429, 503). */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The field problems of a validation error, if any. */
  get problems(): FieldProblem[] {
    return Array.isArray(this.details) ? (this.details as unknown[]).filter(isProblem) : [];
  }
}

const isProblem = (p: unknown): p is FieldProblem =>
  typeof p === 'object' && p !== null && typeof (p as FieldProblem).path === 'string' && typeof (p as FieldProblem).message === 'string';

/** What a refused (403) request asked for: shown to the user in words, not as a broken page. */
export interface Refusal {
  method: string;
  path: string;
  code: string | undefined;
  message: string;
}

export interface ApiHooks {
  /** The current session's CSRF token (null for a token-authenticated page or when signed out). */
  csrfToken(): string | null;
  /** Any call but the sign-in itself answered 401: the session is gone. */
  unauthorized(): void;
  /** A call answered 403 (not allowed here; a CSRF refusal is retried first). */
  forbidden(refusal: Refusal): void;
  /** A write was refused for its CSRF token: fetch a fresh one; resolves true when there is one to retry with. */
  refreshCsrf(): Promise<boolean>;
}

let hooks: ApiHooks = {
  csrfToken: () => null,
  unauthorized: () => undefined,
  forbidden: () => undefined,
  refreshCsrf: async () => false,
};

export function configureApi(next: ApiHooks): void {
  hooks = next;
}

/** For the socket: its handshake refused as signed out, or a subscription refused, report like HTTP does. */
export const reportUnauthorized = () => hooks.unauthorized();
export const reportForbidden = (r: Refusal) => hooks.forbidden(r);

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The headers of a request: JSON in and out; a write carries the CSRF token when the session has one. */
export function requestHeaders(method: string, csrfToken: string | null, hasBody: boolean): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (hasBody) headers['content-type'] = 'application/json';
  if (WRITES.has(method.toUpperCase()) && csrfToken) headers['x-csrf-token'] = csrfToken;
  return headers;
}

export interface RequestOptions {
  signal?: AbortSignal;
  /** Skip the 401 redirect (the sign-in and the first `me` call answer 401 as a plain outcome). */
  quiet401?: boolean;
  /** Skip the refusal banner: the caller shows the 403 itself (a page the user may not open). */
  quiet403?: boolean;
}

/** Turns a failed response into an ApiError with the controller's code and details. */
async function toError(res: Response): Promise<ApiError> {
  let body: Partial<ErrorBody> = {};
  try {
    body = (await res.json()) as Partial<ErrorBody>;
  } catch {
    // Not JSON (a proxy's error page): the status line has to do.
  }
  const retry = Number(res.headers.get('retry-after'));
  return new ApiError(res.status, body.code, body.message ?? `${res.status} ${res.statusText}`, body.details, Number.isFinite(retry) && retry > 0 ? retry : undefined);
}

export async function request<T>(method: string, path: string, body?: unknown, opts: RequestOptions = {}): Promise<T> {
  const send = () =>
    fetch(path, {
      method,
      headers: requestHeaders(method, hooks.csrfToken(), body !== undefined),
      credentials: 'same-origin',
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  let res = await send();
  if (!res.ok) {
    let err = await toError(res);
    // A stale token (the session was renewed in another tab): fetch the current one and try once more.
    if (err.code === 'CAIDENG_ERR_CSRF' && (await hooks.refreshCsrf())) {
      res = await send();
      if (res.ok) return parse<T>(res);
      err = await toError(res);
    }
    if (err.status === 401 && !opts.quiet401) hooks.unauthorized();
    if (err.status === 403 && !opts.quiet403) hooks.forbidden({ method, path: path.split('?')[0]!, code: err.code, message: err.message });
    throw err;
  }
  return parse<T>(res);
}

async function parse<T>(res: Response): Promise<T> {
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const getJson = <T>(path: string, signal?: AbortSignal, opts: RequestOptions = {}) => request<T>('GET', path, undefined, signal ? { ...opts, signal } : opts);
/** Writes always send a JSON body (the controller accepts only JSON bodies on writes). */
export const postJson = <T>(path: string, body: unknown = {}, opts?: RequestOptions) => request<T>('POST', path, body, opts);
export const patchJson = <T>(path: string, body: unknown) => request<T>('PATCH', path, body);
export const deleteJson = <T = void>(path: string) => request<T>('DELETE', path);

/** Whether an error means "do not try again": signed out or not allowed. */
export const isAuthError = (err: unknown) => err instanceof ApiError && (err.status === 401 || err.status === 403);

/** Retries `load` with capped backoff until it succeeds or `signal` aborts: the controller may be restarting. */
export async function withRetry<T>(load: (signal: AbortSignal) => Promise<T>, signal: AbortSignal, onError: (err: unknown) => void): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await load(signal);
    } catch (err) {
      // Retrying would not sign anyone in: the hooks above have already sent the user where they need to go.
      if (signal.aborted || isAuthError(err)) throw err;
      onError(err);
      const delay = Math.min(1000 * 2 ** attempt, 15_000);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
      if (signal.aborted) throw err;
    }
  }
}
