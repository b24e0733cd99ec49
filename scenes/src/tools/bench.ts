/**
 * Benchmark: frames per second for a compound's worth of channels (16 strings × 300 RGB pixels =
 * 14,400 channels) on one core, for every built-in scene; the optimized renderer against the naive
 * per-pixel path, median of several runs; heap growth per frame. Prints a table and JSON.
 *
 *   npm run bench -w scenes            (options: --runs 7 --frames 400 --scene carp,lotus --json-only)
 */
import { cpus, loadavg } from 'node:os';
import { createLayout } from '../fixtures.js';
import { Renderer } from '../render.js';
import { SCENE_NAMES, resolveScene } from '../catalog/index.js';
import type { Scene } from '../schema.js';
import { option, parseArgs } from './args.js';
import { NaiveRenderer } from './naive.js';

const FPS_TARGET = 1000;

interface Row {
  scene: string;
  fps: number;
  naiveFps: number;
  speedup: number;
  maxDiff: number;
  heapBytesPerFrame: number;
  runs: number[];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function garbagePerFrame(r: Renderer, buf: Uint8Array, t: number, dt: number): number {
  const runs: number[] = [];
  for (let k = 0; k < 5; k++) {
    gc();
    const heap0 = process.memoryUsage().heapUsed;
    for (let i = 0; i < 50; i++) r.render((t += dt), buf);
    runs.push(Math.max(0, (process.memoryUsage().heapUsed - heap0) / 50));
  }
  return median(runs);
}

function main(argv: readonly string[]): void {
  const args = parseArgs(argv);
  const runs = Number(option(args, 'runs') ?? 7);
  const frames = Number(option(args, 'frames') ?? 400);
  const naiveFrames = Math.max(5, Math.round(frames / 40));
  const layout = createLayout(Array.from({ length: 16 }, (_, i) => ({ id: `string-${i}`, kind: 'pixels' as const, pixels: 300, ratedWatts: 18 })));
  const dt = 1000 / 60;
  const rows: Row[] = [];
  const only = option(args, 'scene');
  const scenes = SCENE_NAMES.filter((n) => !only || only.split(',').includes(n)).map((name) => {
    const res = resolveScene(name, name === 'zodiac-lantern' ? { year: 2021 } : {});
    if (!res.ok) throw new Error(`${name}: ${JSON.stringify(res.errors)}`);
    return { name, scene: res.scene as Scene };
  });

  // Pass 1, the optimized renderer for every scene; pass 2, the naive path (run after, so its
  // per-pixel calls into the same effect code do not disturb the optimized code's profile).
  const optimized = new Map<string, { fps: number; heap: number; runs: number[] }>();
  for (const { name, scene } of scenes) {
    const r = new Renderer(layout);
    r.play(scene, { seed: 1 });
    const buf = new Uint8Array(layout.channelCount);
    let t = 0;
    for (let i = 0; i < 100; i++) r.render((t += dt), buf); // warm-up

    const fpsRuns: number[] = [];
    for (let k = 0; k < runs; k++) {
      const t0 = performance.now();
      for (let i = 0; i < frames; i++) r.render((t += dt), buf);
      fpsRuns.push((frames * 1000) / (performance.now() - t0));
    }
    // Garbage per frame: heap growth over a short run right after a full GC (short, so that no
    // scavenge hides it), the median of five such runs. Needs --expose-gc (the npm script sets it).
    optimized.set(name, { fps: median(fpsRuns), heap: garbagePerFrame(r, buf, t, dt), runs: fpsRuns });
  }

  for (const { name, scene } of scenes) {
    const naive = new NaiveRenderer(scene, layout, 1);
    const naiveRuns: number[] = [];
    let tn = 0;
    for (let k = 0; k < Math.max(3, Math.ceil(runs / 2)); k++) {
      const t0 = performance.now();
      for (let i = 0; i < naiveFrames; i++) naive.render((tn += dt));
      naiveRuns.push((naiveFrames * 1000) / (performance.now() - t0));
    }

    // Both paths must agree (gamma table vs Math.pow may differ by one step).
    const fresh = new Renderer(layout);
    fresh.play(scene, { seed: 1 });
    const a = fresh.render(5000);
    const b = naive.render(5000);
    let maxDiff = 0;
    for (let c = 0; c < a.length; c++) maxDiff = Math.max(maxDiff, Math.abs(a[c]! - b[c]!));

    const { fps, heap, runs: fpsRuns } = optimized.get(name)!;
    const naiveFps = median(naiveRuns);
    rows.push({ scene: name, fps: Math.round(fps), naiveFps: Math.round(naiveFps), speedup: Math.round((fps / naiveFps) * 10) / 10, maxDiff, heapBytesPerFrame: Math.round(heap), runs: fpsRuns.map(Math.round) });
  }

  const result = {
    layout: { strings: 16, pixelsPerString: 300, channels: layout.channelCount },
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    loadAverage1m: Math.round(loadavg()[0]! * 100) / 100,
    runs,
    framesPerRun: frames,
    targetFps: FPS_TARGET,
    allAboveTarget: rows.every((r) => r.fps >= FPS_TARGET),
    results: rows,
  };
  if (!option(args, 'json-only')) {
    const line = (cells: (string | number)[]) => cells.map((c, i) => String(c).padStart(i === 0 ? 0 : 10).padEnd(i === 0 ? 20 : 0)).join(' ');
    process.stdout.write(`\n14,400 channels (16 × 300 RGB pixels), one core, median of ${runs} runs × ${frames} frames (${result.cpu}, load ${result.loadAverage1m})\n\n`);
    process.stdout.write(`${line(['scene', 'fps', 'naive fps', 'speedup', 'max diff', 'heap B/fr'])}\n`);
    for (const r of rows) process.stdout.write(`${line([r.scene, r.fps, r.naiveFps, `${r.speedup}×`, r.maxDiff, r.heapBytesPerFrame])}\n`);
    process.stdout.write(`\n${result.allAboveTarget ? 'every scene' : 'NOT every scene'} at or above ${FPS_TARGET} fps\n\n`);
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main(process.argv.slice(2));
