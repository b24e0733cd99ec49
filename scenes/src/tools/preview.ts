/**
 * Preview: renders a scene strip over time to a PNG, x = pixel, y = time (top = start), so a person
 * can judge a scene without hardware. Node only (pngjs, fs).
 *
 *   npm run preview -w scenes -- carp --out carp.png --seconds 10
 *   npm run preview -w scenes -- --all --dir /tmp/previews
 *   options: --pixels 150 --fps 30 --scale 3 --seed 1 --param swim=30 --kind pixels|dimmer|rgbw --count 8
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { createLayout, type FixtureKind, type Layout } from '../fixtures.js';
import { Renderer } from '../render.js';
import { SCENE_NAMES, resolveScene } from '../catalog/index.js';
import { option, parseArgs, sceneParamsFrom } from './args.js';

interface PreviewOptions {
  seconds: number;
  fps: number;
  pixels: number;
  scale: number;
  seed: number;
  kind: FixtureKind;
  params: Record<string, number | string | boolean>;
}

/** Renders the strip as RGBA pixels, converting LED output (linear light) back to screen values. */
export function renderStrip(name: string, o: PreviewOptions): PNG {
  const layout = previewLayout(o.kind, o.pixels);
  const resolved = resolveScene(name, { ...(name === 'zodiac-lantern' && !('animal' in o.params) ? { year: 2021 } : {}), ...o.params });
  if (!resolved.ok) throw new Error(resolved.errors.map((e) => `${e.path}: ${e.message}`).join('\n'));
  const r = new Renderer(layout);
  r.play(resolved.scene, { seed: o.seed });
  const rows = Math.max(1, Math.round(o.seconds * o.fps));
  const width = layout.pointCount * o.scale;
  const png = new PNG({ width, height: rows });
  const toScreen = new Uint8Array(256);
  for (let v = 0; v < 256; v++) toScreen[v] = Math.round(255 * Math.pow(v / 255, 1 / 2.2));
  for (let y = 0; y < rows; y++) {
    const frame = r.render((y * 1000) / o.fps);
    for (const f of layout.fixtures) {
      for (let p = 0; p < f.points; p++) {
        const [red, green, blue] = colourOf(f.kind, frame, f.channelStart + p * 3);
        for (let s = 0; s < o.scale; s++) {
          const idx = (y * width + (f.pointStart + p) * o.scale + s) * 4;
          png.data[idx] = toScreen[red]!;
          png.data[idx + 1] = toScreen[green]!;
          png.data[idx + 2] = toScreen[blue]!;
          png.data[idx + 3] = 255;
        }
      }
    }
  }
  return png;
}

function colourOf(kind: FixtureKind, frame: Uint8Array, c: number): [number, number, number] {
  switch (kind) {
    case 'pixels':
    case 'rgb':
      return [frame[c]!, frame[c + 1]!, frame[c + 2]!];
    case 'rgbw': {
      const w = frame[c + 3]!;
      return [Math.min(255, frame[c]! + w), Math.min(255, frame[c + 1]! + w), Math.min(255, frame[c + 2]! + w)];
    }
    default:
      // A dimmer or relay lantern is drawn in warm white at its level.
      return [frame[c]!, Math.round(frame[c]! * 0.82), Math.round(frame[c]! * 0.6)];
  }
}

function previewLayout(kind: FixtureKind, count: number): Layout {
  if (kind === 'pixels') return createLayout([{ id: 'string', kind, pixels: count, ratedWatts: count * 0.06 }]);
  return createLayout(Array.from({ length: count }, (_, i) => ({ id: `lantern-${i}`, kind, ratedWatts: 20 })));
}

function main(argv: readonly string[]): void {
  const args = parseArgs(argv);
  const kind = (option(args, 'kind') ?? 'pixels') as FixtureKind;
  const o: PreviewOptions = {
    seconds: Number(option(args, 'seconds') ?? 10),
    fps: Number(option(args, 'fps') ?? 30),
    pixels: Number(option(args, 'pixels') ?? option(args, 'count') ?? (kind === 'pixels' ? 150 : 8)),
    scale: Number(option(args, 'scale') ?? (kind === 'pixels' ? 3 : 40)),
    seed: Number(option(args, 'seed') ?? 1),
    kind,
    params: sceneParamsFrom(args),
  };
  const names = option(args, 'all') ? SCENE_NAMES : args.positional.slice(0, 1);
  if (names.length === 0) {
    process.stderr.write(`usage: preview <scene> [--out file.png] [--seconds N] | --all --dir DIR\nscenes: ${SCENE_NAMES.join(', ')}\n`);
    process.exitCode = 2;
    return;
  }
  const dir = option(args, 'dir') ?? '.';
  if (names.length > 1) mkdirSync(dir, { recursive: true });
  for (const name of names) {
    const out = names.length === 1 ? option(args, 'out') ?? `${name}.png` : join(dir, `${name}.png`);
    writeFileSync(out, PNG.sync.write(renderStrip(name, o)));
    process.stdout.write(`${out}\n`);
  }
}

main(process.argv.slice(2));
