/**
 * The preview's drawing half (loaded lazily by ./scenePreview.tsx, since the scenes library with its
 * catalog and Chinese calendar is ~170 kB gzipped). A live preview of a scene, rendered in the browser by the same `@caideng/scenes` renderer that plays it
 * on the lanterns: same layout (the group's fixture kind and channels), same seed, same start time.
 *
 * The canvas has one pixel per point of the layout's effect space (one row per strand: the lantern row, or
 * each pixel string) and CSS scales it up, so a frame costs one putImageData however large the preview.
 * All previews share one requestAnimationFrame loop that draws at most 40 frames a second and skips previews
 * that are off screen (IntersectionObserver) or the whole loop while the tab is hidden.
 *
 * Times: the renderer runs on the controller's clock (browser Date.now() + clockOffsetMs), so a scene
 * started at `startAt` (epoch ms, controller clock) shows the frame the group shows. The scene time drawn
 * last is on the canvas as `data-scene-ms` (tests compare it with the group's).
 */
import { useEffect, useMemo, useRef } from 'preact/hooks';
import { Renderer, layoutForGroup, resolveScene, type Layout, type Scene } from '@caideng/scenes';
import type { PreviewGroup, PreviewSceneRef, ScenePreviewProps } from './scenePreview';

/** The scene a preview plays: definitions pass through, catalog references are resolved (null if invalid). */
export function previewScene(scene: ScenePreviewProps['scene'], at?: number): Scene | null {
  if (!scene) return null;
  if ('layers' in scene) return scene as Scene;
  const ref = scene as PreviewSceneRef;
  const resolved = resolveScene(ref.name, ref.params ?? {}, at !== undefined ? { at } : {});
  return resolved.ok ? resolved.scene : null;
}

/** The layout of a registry group (pixel strings count pixels in the registry, channels in the library). */
export function previewLayout(group: PreviewGroup): Layout {
  const channels = group.fixture === 'pixels' ? group.channels * 3 : group.channels;
  return layoutForGroup({ kind: group.fixture, channels, ratedWatts: group.ratedWatts ?? 100 });
}

// ---------------------------------------------------------------------------------------------
// Frames to pixels

interface Raster {
  width: number;
  height: number;
  /** Per fixture: row and first column in the raster. */
  place: Array<{ row: number; col: number }>;
}

function rasterOf(layout: Layout): Raster {
  const width = Math.max(1, ...layout.strands.map((s) => s.length));
  const place = layout.fixtures.map((f) => {
    const strand = layout.strands.find((s) => f.pointStart >= s.pointStart && f.pointStart < s.pointStart + s.length)!;
    return { row: strand.index, col: f.pointStart - strand.pointStart };
  });
  return { width, height: Math.max(1, layout.strands.length), place };
}

// Single-channel lanterns glow warm white.
const WARM = [255, 178, 96] as const;

/** Writes a frame (channel values) into RGBA pixels of the raster. */
export function paintFrame(layout: Layout, raster: Raster, frame: Uint8Array, rgba: Uint8ClampedArray): void {
  const fixtures = layout.fixtures;
  for (let i = 0; i < fixtures.length; i++) {
    const f = fixtures[i]!;
    const { row, col } = raster.place[i]!;
    let o = (row * raster.width + col) * 4;
    const c = f.channelStart;
    switch (f.kind) {
      case 'dimmer':
      case 'relay': {
        const v = frame[c]! / 255;
        rgba[o] = WARM[0] * v;
        rgba[o + 1] = WARM[1] * v;
        rgba[o + 2] = WARM[2] * v;
        rgba[o + 3] = 255;
        break;
      }
      case 'rgb':
        rgba[o] = frame[c]!;
        rgba[o + 1] = frame[c + 1]!;
        rgba[o + 2] = frame[c + 2]!;
        rgba[o + 3] = 255;
        break;
      case 'rgbw': {
        const w = frame[c + 3]!;
        rgba[o] = frame[c]! + w;
        rgba[o + 1] = frame[c + 1]! + w * 0.9;
        rgba[o + 2] = frame[c + 2]! + w * 0.75;
        rgba[o + 3] = 255;
        break;
      }
      case 'pixels':
        for (let p = 0; p < f.points; p++, o += 4) {
          const k = c + p * 3;
          rgba[o] = frame[k]!;
          rgba[o + 1] = frame[k + 1]!;
          rgba[o + 2] = frame[k + 2]!;
          rgba[o + 3] = 255;
        }
        break;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// One shared animation loop

/** At most 40 frames a second (25 ms apart; a little slack so a 60 Hz display draws every other frame). */
export const PREVIEW_FRAME_MS = 25;

interface Animated {
  /** Draws the frame for the browser time `nowMs`. */
  draw(nowMs: number): void;
}

const visible = new Set<Animated>();
let raf = 0;
let lastTick = Number.NEGATIVE_INFINITY;

function tick(t: number): void {
  raf = 0;
  if (visible.size === 0 || document.hidden) return;
  if (t - lastTick >= PREVIEW_FRAME_MS - 4) {
    lastTick = t;
    const now = Date.now();
    for (const a of visible) a.draw(now);
  }
  raf = requestAnimationFrame(tick);
}

function wake(): void {
  if (raf === 0 && visible.size > 0 && !document.hidden) raf = requestAnimationFrame(tick);
}

let listening = false;
function listenVisibility(): void {
  if (listening) return;
  listening = true;
  document.addEventListener('visibilitychange', wake);
}

let observer: IntersectionObserver | null = null;
const byElement = new WeakMap<Element, Animated>();
function observe(el: Element, a: Animated): void {
  listenVisibility();
  byElement.set(el, a);
  if (typeof IntersectionObserver === 'undefined') {
    visible.add(a);
    wake();
    return;
  }
  observer ??= new IntersectionObserver((entries) => {
    for (const e of entries) {
      const item = byElement.get(e.target);
      if (!item) continue;
      if (e.isIntersecting) visible.add(item);
      else visible.delete(item);
    }
    wake();
  });
  observer.observe(el);
}
function unobserve(el: Element, a: Animated): void {
  visible.delete(a);
  byElement.delete(el);
  observer?.unobserve(el);
}

/** How many previews are animating now (the benchmark and tests read it). */
export function animatedPreviews(): number {
  return visible.size;
}

// ---------------------------------------------------------------------------------------------
// The component

export function ScenePreviewCanvas(props: ScenePreviewProps) {
  const { group, clockOffsetMs = 0, seed = 0, brightness = 255, running = true, stillAtMs = 2000, label, testId } = props;
  const canvas = useRef<HTMLCanvasElement>(null);
  const mountedAt = useRef(Date.now() + clockOffsetMs);
  const startAt = props.startAt ?? mountedAt.current;

  const layout = useMemo(() => previewLayout(group), [group.fixture, group.channels, group.ratedWatts]);
  const raster = useMemo(() => rasterOf(layout), [layout]);
  const sceneKey = props.scene ? ('layers' in props.scene ? props.scene : JSON.stringify(props.scene)) : null;
  const scene = useMemo(() => previewScene(props.scene, startAt), [sceneKey, startAt]);

  // Everything the draw reads, kept current without restarting the loop.
  const live = useRef({ startAt, clockOffsetMs, running, stillAtMs });
  live.current = { startAt, clockOffsetMs, running, stillAtMs };

  const renderer = useMemo(() => {
    const r = new Renderer(layout, { brightness });
    if (scene) {
      try {
        r.play(scene, { startAt, seed });
      } catch {
        /* an invalid scene shows dark; the editor reports why */
      }
    }
    return r;
  }, [layout, scene, startAt, seed]);
  useEffect(() => renderer.setBrightness(brightness), [renderer, brightness]);

  useEffect(() => {
    const el = canvas.current;
    if (!el) return;
    const ctx = el.getContext('2d');
    const image = ctx?.createImageData(raster.width, raster.height);
    const draw = (browserNow: number) => {
      const { startAt: s, clockOffsetMs: off, running: run, stillAtMs: still } = live.current;
      const now = run ? browserNow + off : s + still;
      renderer.render(now);
      if (ctx && image) {
        paintFrame(layout, raster, renderer.frame, image.data);
        ctx.putImageData(image, 0, 0);
      }
      el.dataset.sceneMs = String(Math.round(now - s));
    };
    draw(Date.now());
    if (!running || !scene) return;
    const item: Animated = { draw };
    observe(el, item);
    return () => unobserve(el, item);
  }, [renderer, raster, layout, running, scene, brightness]);

  return (
    <canvas
      ref={canvas}
      class={`scene-preview${props.class ? ` ${props.class}` : ''}`}
      width={raster.width}
      height={raster.height}
      role="img"
      aria-label={label}
      data-testid={testId}
      data-scene={scene?.name ?? ''}
      data-running={running && scene ? 'true' : 'false'}
    />
  );
}
