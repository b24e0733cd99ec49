/**
 * The one socket.io connection to the controller (same origin, path /socket.io), shared by every data
 * module, and its state for the connection indicator.
 */
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '@caideng/protocol';
import { refCounted, writable } from '../lib/store';
import { getJson, reportUnauthorized } from './api';

export type CaidengSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
/** `live` means joined and receiving pushes (set by `live.ts` when the controller acknowledges the subscription). */
export type ConnectionState = 'connecting' | 'live' | 'reconnecting';

export const connection = writable<ConnectionState>('connecting');

export function markLive(): void {
  connection.set('live');
}

let current: CaidengSocket | null = null;

const hold = refCounted(() => {
  const socket: CaidengSocket = io({ path: '/socket.io', reconnectionDelayMax: 10_000 });
  current = socket;
  let retry: ReturnType<typeof setTimeout> | undefined;
  socket.on('disconnect', (reason) => {
    connection.set('reconnecting');
    // socket.io does not reconnect by itself after the server closed the socket on purpose, which the
    // controller does when it stops; a restarted controller should find its dashboards again.
    if (reason === 'io server disconnect') {
      retry = setTimeout(() => socket.connect(), 1000 + Math.random() * 2000);
      // The controller also closes the socket when the session ends (signed out elsewhere, disabled,
      // expired): ask now rather than after the delay; a 401 goes to sign-in through the API hooks.
      getJson('/api/auth/me').catch(() => undefined);
    }
  });
  socket.io.on('reconnect_attempt', () => connection.set('reconnecting'));
  // The handshake carries the session cookie; a refused one means the session is gone (expired, signed
  // out elsewhere): back to sign-in rather than retrying. Other errors (controller down) retry as before.
  socket.on('connect_error', (err) => {
    if (err.message === 'CAIDENG_ERR_UNAUTHORIZED') {
      socket.disconnect();
      reportUnauthorized();
    }
  });
  return () => {
    clearTimeout(retry);
    socket.disconnect();
    current = null;
    connection.set('connecting');
  };
});

/**
 * Uses the shared socket while `use` is active: `use` gets the socket and returns its cleanup (remove
 * its listeners). The connection closes when the last user releases it.
 */
export function withSocket(use: (socket: CaidengSocket) => () => void): () => void {
  const release = hold();
  const cleanup = use(current!);
  return () => {
    cleanup();
    release();
  };
}
