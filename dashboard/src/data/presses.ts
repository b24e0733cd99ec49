/** Residents' kiosk presses as they are stored by the controller (`press` events): a short live feed. */
import type { KioskButton, ServerToClientEvents } from '@caideng/protocol';
import { refCounted, writable } from '../lib/store';
import { subscribeLive } from './live';
import { withSocket } from './socket';

export type Press = Parameters<ServerToClientEvents['press']>[0];
export type { KioskButton };

const KEEP = 50;

/** Newest first. */
export const presses = writable<readonly Press[]>([]);

export const subscribePresses = refCounted(() => {
  // Presses go to the rooms `subscribeLive` joins.
  const stopLive = subscribeLive();
  const stopSocket = withSocket((socket) => {
    const onPress = (p: Press) => presses.update((prev) => [p, ...prev].slice(0, KEEP));
    socket.on('press', onPress);
    return () => socket.off('press', onPress);
  });
  return () => {
    stopSocket();
    stopLive();
  };
});
