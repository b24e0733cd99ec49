/**
 * The library's preview slot: a scene (a catalog or stored scene by name, or a draft's JSON) shown where the
 * animated preview goes. `scene: null` means the draft is invalid: the last good frame stays, marked paused.
 */
import type { Scene } from '@caideng/scenes';

export type PreviewScene = { name: string } | Scene;

export function ScenePreviewBox({ scene, label, large }: { scene: PreviewScene | null; label: string; large?: boolean }) {
  return (
    <div class={`scene-preview-box${large ? ' scene-preview-box--large' : ''}`} role="img" aria-label={label} data-testid="scene-preview" data-paused={scene ? 'no' : 'yes'} data-scene-json={scene ? JSON.stringify(scene) : undefined} />
  );
}
