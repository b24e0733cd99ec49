/**
 * The scene library's writes (create, update, delete a county scene) and reads of one scene's JSON and
 * of an energy estimate. After a write the shared scene list (`scenes`) is fetched again, so every view's
 * titles follow.
 */
import type { EnergyEstimate } from '@caideng/protocol';
import type { Scene } from '@caideng/scenes';
import { deleteJson, getJson, postJson, request } from './api';
import { fetchScenes, indexScenes, scenes, type SceneSummary } from './scenes';

export type SceneWithBody = SceneSummary & { scene: Scene };
export type { EnergyEstimate };

export const fetchScene = (name: string, signal?: AbortSignal) => getJson<SceneWithBody>(`/api/scenes/${encodeURIComponent(name)}`, signal);

export async function refreshScenes(): Promise<void> {
  scenes.set({ status: 'ready', library: indexScenes(await fetchScenes()) });
}

export async function createScene(scene: Scene): Promise<SceneSummary> {
  const out = await postJson<SceneSummary>('/api/scenes', scene);
  await refreshScenes();
  return out;
}

export async function updateScene(name: string, scene: Scene): Promise<SceneSummary> {
  const out = await request<SceneSummary>('PUT', `/api/scenes/${encodeURIComponent(name)}`, scene);
  await refreshScenes();
  return out;
}

export async function deleteScene(name: string): Promise<void> {
  await deleteJson(`/api/scenes/${encodeURIComponent(name)}`);
  await refreshScenes();
}

/** Watts and energy of `name` (as stored) on a compound's groups for `minutes`. */
export const estimateEnergy = (compound: string, name: string, minutes: number) =>
  postJson<EnergyEstimate>(`/api/compounds/${encodeURIComponent(compound)}/energy-estimate`, { scene: { name }, minutes });
