/**
 * The scene library from GET /api/scenes: the built-in lantern catalog (牛年牛灯, 鲤鱼灯, …) and the
 * county's own scenes. Devices report only a scene's id (`state.scene.name`); the page shows its title.
 * Fetched once per page and shared, like the registry; until it arrives (or for a scene it does not
 * know) the id is shown.
 */
import { useI18n } from '../i18n';
import { refCounted, useStore, writable } from '../lib/store';
import { getJson, withRetry } from './api';

import type { SceneParamSpec, SceneSummary, SceneTitle } from '@caideng/protocol';

export type { SceneParamSpec, SceneSummary, SceneTitle };

export interface SceneLibrary {
  scenes: SceneSummary[];
  scene(name: string): SceneSummary | undefined;
}

export type ScenesState = { status: 'loading'; error?: string } | { status: 'ready'; library: SceneLibrary };

export const scenes = writable<ScenesState>({ status: 'loading' });

export const fetchScenes = (signal?: AbortSignal) => getJson<SceneSummary[]>('/api/scenes', signal);

export function indexScenes(list: SceneSummary[]): SceneLibrary {
  const byName = new Map(list.map((s) => [s.name, s]));
  return { scenes: list, scene: (name) => byName.get(name) };
}

/** Loads the library once (retrying while the controller is unreachable) into `scenes`. */
export const subscribeScenes = refCounted(() => {
  if (scenes.get().status === 'ready') return () => undefined;
  const abort = new AbortController();
  withRetry(fetchScenes, abort.signal, (err) => scenes.set({ status: 'loading', error: String((err as Error).message ?? err) }))
    .then((list) => scenes.set({ status: 'ready', library: indexScenes(list) }))
    .catch(() => undefined /* aborted */);
  return () => abort.abort();
});

/**
 * A function from scene id to its title in the current language (the other language if that one is
 * missing, then the id). Re-renders the component when the library arrives or the language changes.
 */
export function useSceneTitle(): (name: string) => string {
  const i = useI18n();
  const state = useStore(scenes);
  const library = state.status === 'ready' ? state.library : undefined;
  return (name) => i.title(library?.scene(name)?.title, name);
}
