/**
 * The scene library from GET /api/scenes: the built-in lantern catalog (牛年牛灯, 鲤鱼灯, …) and the
 * county's own scenes. Devices report only a scene's id (`state.scene.name`); the page shows its title.
 * Fetched once per page and shared, like the registry; until it arrives (or for a scene it does not
 * know) the id is shown.
 */
import { useI18n } from '../i18n';
import { refCounted, useStore, writable } from '../lib/store';
import { getJson, withRetry } from './api';

/** A scene's display name; either language may be missing. */
export interface SceneTitle {
  zh?: string;
  en?: string;
}

/** A parameter a command may pass to the scene (controller: the scenes library's ParamSpec). */
export type SceneParamSpec =
  | { type: 'number' | 'integer'; min: number; max: number; default?: number; unit: string; description: string }
  | { type: 'boolean'; default: boolean; description: string }
  | { type: 'color'; default: string; description: string }
  | { type: 'enum'; values: readonly string[]; default?: string; description: string }
  | { type: 'date'; description: string };

/** One entry of GET /api/scenes (controller/src/features/sceneLibrary.ts `SceneSummary`). */
export interface SceneSummary {
  name: string;
  title: SceneTitle;
  builtin: boolean;
  params: Record<string, SceneParamSpec>;
  /** User scenes only. */
  revision?: number;
  updatedAt?: number;
}

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
