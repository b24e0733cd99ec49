/**
 * The library's preview: a scene (a catalog or stored scene by name, or a draft's JSON) animated by the
 * scenes renderer on a string of 48 pixels. `scene: null` means the draft is invalid: the preview goes dark
 * until it is valid again. The wrapper carries the scene it shows as `data-scene-json`.
 */
import type { Scene } from '@caideng/scenes';
import { ScenePreview } from '../../components/scenePreview';

export type PreviewScene = { name: string } | Scene;

const STRING = { fixture: 'pixels', channels: 48 } as const;

export function ScenePreviewBox({ scene, label, large }: { scene: PreviewScene | null; label: string; large?: boolean }) {
  return (
    <div class={`scene-preview-box${large ? ' scene-preview-box--large' : ''}`} data-testid="scene-preview" data-paused={scene ? 'no' : 'yes'} data-scene-json={scene ? JSON.stringify(scene) : undefined}>
      <ScenePreview scene={scene} group={STRING} label={label} class="scene-preview--library" testId="scene-preview-canvas" />
    </div>
  );
}
