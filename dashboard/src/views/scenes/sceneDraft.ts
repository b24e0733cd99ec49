/**
 * The scene editor's pure parts: which form field shows which JSON pointer, the fields an effect type
 * has (read from the scenes library's own effect schemas, so the form never disagrees with the
 * validator), immutable edits at a pointer, and the mapping of validator and server problems to fields.
 */
import { EFFECTS, EFFECT_TYPES, type Scene } from '@caideng/scenes';

/** A form field's DOM id from the JSON pointer it edits: `/layers/0/effect/speed` → `sf_layers_0_effect_speed`. */
export function fieldId(path: string): string {
  return `sf${path.replace(/\//g, '_')}`;
}

export type ParamKind =
  | { kind: 'number'; min?: number; max?: number; unit?: string }
  | { kind: 'color' }
  | { kind: 'palette' }
  | { kind: 'choice'; options: string[] }
  | { kind: 'boolean' }
  | { kind: 'json' };

export interface ParamField {
  key: string;
  description: string;
  default: unknown;
  input: ParamKind;
}

type Json = Record<string, unknown>;

/** The parameter fields of an effect type, from its schema (`type` itself excluded). */
export function paramFields(type: string): ParamField[] {
  const def = (EFFECTS as unknown as Record<string, { schema: Json } | undefined>)[type];
  if (!def) return [];
  const props = (def.schema['properties'] ?? {}) as Record<string, Json>;
  return Object.entries(props)
    .filter(([key]) => key !== 'type')
    .map(([key, s]) => ({ key, description: String(s['description'] ?? ''), default: s['default'], input: kindOf(s) }));
}

function kindOf(s: Json): ParamKind {
  if (s['x-kind'] === 'color') return { kind: 'color' };
  if (s['x-kind'] === 'palette') return { kind: 'palette' };
  if (s['type'] === 'number' || s['type'] === 'integer') {
    const out: ParamKind = { kind: 'number' };
    if (typeof s['minimum'] === 'number') out.min = s['minimum'];
    if (typeof s['maximum'] === 'number') out.max = s['maximum'];
    if (typeof s['x-unit'] === 'string') out.unit = s['x-unit'];
    return out;
  }
  if (s['type'] === 'boolean') return { kind: 'boolean' };
  if (Array.isArray(s['anyOf'])) {
    const consts = (s['anyOf'] as Json[]).map((o) => o['const']);
    if (consts.every((c) => typeof c === 'string')) return { kind: 'choice', options: consts as string[] };
  }
  return { kind: 'json' };
}

export const isEffectType = (t: string) => (EFFECT_TYPES as readonly string[]).includes(t);

/** What a number field's text means: absent when empty, a number when it reads as one, else the text (the validator says why). */
export function readNumber(text: string): unknown {
  const t = text.trim();
  if (t === '') return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : t;
}

/** A palette's colours from "red, gold #ff0000". */
export const readColors = (text: string): string[] => text.split(/[\s,，、]+/).filter(Boolean);

function unescape(seg: string): string {
  return seg.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** `scene` with `value` at pointer `path` (`undefined` removes the key); containers on the way are copied. */
export function setAt<T>(scene: T, path: string, value: unknown): T {
  const segs = path.split('/').slice(1).map(unescape);
  const put = (node: unknown, i: number): unknown => {
    const key = segs[i]!;
    const last = i === segs.length - 1;
    if (Array.isArray(node)) {
      const copy = node.slice();
      const idx = Number(key);
      copy[idx] = last ? value : put(copy[idx] ?? {}, i + 1);
      return copy;
    }
    const obj = { ...((node ?? {}) as Json) };
    const next = last ? value : put(obj[key], i + 1);
    if (next === undefined) delete obj[key];
    else obj[key] = next;
    return obj;
  };
  return segs.length === 0 ? (value as T) : (put(scene, 0) as T);
}

export function getAt(scene: unknown, path: string): unknown {
  let node = scene;
  for (const seg of path.split('/').slice(1).map(unescape)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Json)[seg];
  }
  return node;
}

/**
 * The pointers of every field the form shows for `scene`; a problem goes to the longest of them that
 * is a prefix of its path (`/palettes/warm/2` → the `warm` palette's field), else above the form ('').
 */
export function formPaths(scene: unknown): Set<string> {
  const paths = new Set(['/name', '/title', '/title/zh', '/title/en', '/brightness', '/speed', '/palettes', '/layers']);
  const s = (scene ?? {}) as Json;
  if (s['palettes'] && typeof s['palettes'] === 'object') for (const key of Object.keys(s['palettes'] as Json)) paths.add(`/palettes/${key}`);
  const layers = Array.isArray(s['layers']) ? (s['layers'] as unknown[]) : [];
  layers.forEach((layer, i) => {
    const base = `/layers/${i}`;
    for (const p of ['', '/blend', '/opacity', '/mask', '/effect', '/effect/type']) paths.add(base + p);
    const type = (layer as { effect?: { type?: unknown } } | null)?.effect?.type;
    if (typeof type === 'string') for (const f of paramFields(type)) paths.add(`${base}/effect/${f.key}`);
  });
  return paths;
}

/** The field a problem at `path` belongs to ('' for the form); accepts the server's `body/…` paths too. */
export function fieldOfPath(path: string, fields: ReadonlySet<string>): string {
  let p = path.replace(/^\/?body(?=\/|$)/, '');
  if (p !== '' && !p.startsWith('/')) p = `/${p}`;
  while (p !== '') {
    if (fields.has(p)) return p;
    p = p.slice(0, p.lastIndexOf('/'));
  }
  return '';
}

/** Problems by field pointer, the first per field. */
export function problemsByField(problems: ReadonlyArray<{ path: string; message: string }>, fields: ReadonlySet<string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of problems) out[fieldOfPath(p.path, fields)] ??= p.message;
  return out;
}

/** A new layer: a steady glow in gold. */
export const newLayer = () => ({ effect: { type: 'steady' } });

/** A blank scene for "new": one steady layer. */
export function blankScene(name: string): Scene {
  return { name, title: { zh: '', en: '' }, layers: [newLayer()] } as Scene;
}

/** A copy of `scene` under a new name, its titles marked as a copy. */
export function copyOf(scene: Scene, name: string): Scene {
  const title = scene.title ? { ...(scene.title.zh !== undefined ? { zh: `${scene.title.zh}（副本）`.slice(0, 32) } : {}), ...(scene.title.en !== undefined ? { en: `${scene.title.en} (copy)`.slice(0, 64) } : {}) } : undefined;
  return { ...scene, name, ...(title ? { title } : {}) };
}

/** Switching a layer's effect keeps nothing of the old one's parameters: they belong to its type. */
export function withEffectType(scene: Scene, layer: number, type: string): Scene {
  return setAt(scene, `/layers/${layer}/effect`, { type });
}

/** Drops empty titles (the schema allows them absent, and an empty title is no title). */
export function toBody(scene: Scene): Scene {
  const title = { ...(scene.title ?? {}) };
  if (!title.zh) delete title.zh;
  if (!title.en) delete title.en;
  const out = { ...scene } as Scene;
  if (Object.keys(title).length) out.title = title;
  else delete out.title;
  return out;
}
