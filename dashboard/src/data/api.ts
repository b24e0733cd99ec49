/** Thin typed HTTP calls to the controller (same origin). Errors carry the controller's error code. */

/** The controller's one error body shape (controller/src/http/errors.ts). */
export interface ErrorBody {
  statusCode: number;
  code: string;
  error: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(path, { headers: { accept: 'application/json' }, ...(signal ? { signal } : {}) });
  if (!res.ok) {
    let body: Partial<ErrorBody> = {};
    try {
      body = (await res.json()) as Partial<ErrorBody>;
    } catch {
      // Not JSON (a proxy's error page): the status line has to do.
    }
    throw new ApiError(res.status, body.code, body.message ?? `${res.status} ${res.statusText}`);
  }
  return (await res.json()) as T;
}

/** Retries `load` with capped backoff until it succeeds or `signal` aborts: the controller may be restarting. */
export async function withRetry<T>(load: (signal: AbortSignal) => Promise<T>, signal: AbortSignal, onError: (err: unknown) => void): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await load(signal);
    } catch (err) {
      if (signal.aborted) throw err;
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
