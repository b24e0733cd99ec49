/**
 * A live preview of a scene, rendered in the browser by the same `@caideng/scenes` renderer that plays it
 * on the lanterns: the group's layout, the same seed and the same start time on the controller's clock.
 *
 *   <ScenePreview scene={{ name: 'carp' }} group={{ fixture: 'rgb', channels: 48 }} startAt={state.startedAt}
 *     clockOffsetMs={offset} seed={state.scene.seed} label="鲤鱼灯" />
 *
 * The renderer (with the catalog and the Chinese calendar it needs, ~170 kB gzipped) is in its own chunk,
 * loaded when the first preview mounts, so pages without previews (and the wall's first paint) stay small.
 * Until it is there a dark canvas holds the place. See ./scenePreviewCanvas.tsx for the drawing and the
 * shared animation loop (≤ 40 fps, paused off screen and in hidden tabs); the canvas carries the scene time
 * it drew last as `data-scene-ms`.
 */
import { useEffect, useState } from 'preact/hooks';
import type { FixtureKind, Scene } from '@caideng/scenes';

/** A catalog scene by name with its parameters (as in a group command). */
export interface PreviewSceneRef {
  name: string;
  params?: Readonly<Record<string, unknown>>;
}

/** The group the preview stands for, as the registry describes it (`channels` counts pixels for strings). */
export interface PreviewGroup {
  fixture: FixtureKind;
  channels: number;
  ratedWatts?: number;
}

export interface ScenePreviewProps {
  /** A scene definition, or a catalog scene by name; null or undefined = dark. */
  scene: Scene | PreviewSceneRef | null | undefined;
  group: PreviewGroup;
  /** When the scene started, epoch ms on the controller's clock. Default: when the preview mounted. */
  startAt?: number | undefined;
  /** Controller clock − browser clock, ms (see lib/clockSync). Default 0. */
  clockOffsetMs?: number;
  seed?: number | undefined;
  /** 0–255. Default 255. */
  brightness?: number | undefined;
  /** false: one still frame (at `stillAtMs` scene time), no animation. Default true. */
  running?: boolean;
  /** Scene time of the still frame, ms. Default 2000. */
  stillAtMs?: number;
  /** Accessible name of the preview. */
  label: string;
  class?: string;
  testId?: string;
}

type Canvas = typeof import('./scenePreviewCanvas');
let canvasModule: Canvas | null = null;
let loading: Promise<Canvas> | null = null;

/** Loads the renderer chunk (once); previews call it on mount, pages may call it early to warm it. */
export function loadScenePreview(): Promise<Canvas> {
  loading ??= import('./scenePreviewCanvas').then((m) => (canvasModule = m));
  return loading;
}

export function ScenePreview(props: ScenePreviewProps) {
  const [mod, setMod] = useState<Canvas | null>(canvasModule);
  useEffect(() => {
    if (mod) return;
    let live = true;
    loadScenePreview().then((m) => live && setMod(m), () => undefined);
    return () => {
      live = false;
    };
  }, []);
  if (!mod) {
    return (
      <canvas
        class={`scene-preview${props.class ? ` ${props.class}` : ''}`}
        width={1}
        height={1}
        role="img"
        aria-label={props.label}
        data-testid={props.testId}
        data-running="false"
      />
    );
  }
  return <mod.ScenePreviewCanvas {...props} />;
}
