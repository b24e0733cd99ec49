/**
 * Residents' kiosk presses as they are stored by the controller (`press` events): a short live feed,
 * filled with the latest stored presses when the page opens.
 */
import type { KioskButton, ServerToClientEvents } from '@caideng/protocol';
import { refCounted, writable } from '../lib/store';
import { subscribeLive } from './live';
import { fetchRecentPresses } from './metrics';
import { withSocket } from './socket';

export type Press = Parameters<ServerToClientEvents['press']>[0];
export type { KioskButton };

const KEEP = 50;

/** Newest first. */
export const presses = writable<readonly Press[]>([]);

const pressKey = (p: Press) => `${p.compound}/${p.kiosk}/${p.seq}/${p.ts}`;

export const subscribePresses = refCounted(() => {
  // Presses go to the rooms `subscribeLive` joins.
  const stopLive = subscribeLive();
  const aborter = new AbortController();
  fetchRecentPresses(KEEP, aborter.signal)
    .then((stored) => {
      // Live presses that arrived meanwhile stay first; the stored ones follow, without repeats.
      presses.update((prev) => {
        const seen = new Set(prev.map(pressKey));
        return [...prev, ...stored.filter((p) => !seen.has(pressKey(p)))].slice(0, KEEP);
      });
    })
    .catch(() => undefined);
  const stopSocket = withSocket((socket) => {
    const onPress = (p: Press) => presses.update((prev) => [p, ...prev].slice(0, KEEP));
    socket.on('press', onPress);
    return () => socket.off('press', onPress);
  });
  return () => {
    aborter.abort();
    stopSocket();
    stopLive();
  };
});
