/**
 * Fixtures and channel layouts. A lantern group (灯组) is a list of fixtures; the layout gives each one
 * its channels in the output frame and its place in the effect space.
 *
 * Effect space: every pixel string (满天星, 流星雨 strings) is its own strand of N pixels; all the
 * single-colour-point fixtures of a group (dimmer, relay, RGB, RGBW lanterns) form one more strand,
 * in the order given, so a chase runs along a row of lanterns just as it runs along a string.
 */
import { isSceneId } from './ids.js';

export const FIXTURE_KINDS = ['dimmer', 'relay', 'rgb', 'rgbw', 'pixels'] as const;
/**
 * dimmer = one PWM-dimmed lantern (1 channel); relay = on/off only (1 channel, 0 or 255);
 * rgb / rgbw = one colour lantern (3 / 4 channels); pixels = addressable string of N RGB pixels (3N channels).
 */
export type FixtureKind = (typeof FIXTURE_KINDS)[number];

export interface FixtureSpec {
  /** Id, unique in the layout; layer masks refer to it. */
  id: string;
  kind: FixtureKind;
  /** Pixel count, for kind 'pixels' only (1–4096). */
  pixels?: number;
  /** Power at full output on every channel, watts. */
  ratedWatts: number;
  /** Power drawn while dark (drivers, pixel ICs), watts. Default 0. */
  standbyWatts?: number;
}

export interface LayoutFixture {
  readonly id: string;
  readonly kind: FixtureKind;
  /** Points in effect space: the pixel count for strings, 1 otherwise. */
  readonly points: number;
  readonly channels: number;
  /** First channel in the frame. */
  readonly channelStart: number;
  /** First point in effect space (index into the layout's point list). */
  readonly pointStart: number;
  readonly ratedWatts: number;
  readonly standbyWatts: number;
}

export interface Strand {
  readonly index: number;
  /** First point of the strand; points of a strand are contiguous. */
  readonly pointStart: number;
  readonly length: number;
}

export interface Layout {
  readonly fixtures: readonly LayoutFixture[];
  readonly strands: readonly Strand[];
  readonly channelCount: number;
  readonly pointCount: number;
  readonly ratedWatts: number;
  readonly standbyWatts: number;
  /** Watts drawn by each channel at full output (255): power and the field level weigh channels by it. */
  readonly channelWatts: Float32Array;
}

export const MAX_PIXELS_PER_STRING = 4096;
export const MAX_CHANNELS = 1 << 20;

export function channelsOf(kind: FixtureKind, pixels = 1): number {
  switch (kind) {
    case 'dimmer':
    case 'relay':
      return 1;
    case 'rgb':
      return 3;
    case 'rgbw':
      return 4;
    case 'pixels':
      return 3 * pixels;
  }
}

/** Builds a layout. Throws a RangeError naming the fixture and field when a spec is invalid. */
export function createLayout(specs: readonly FixtureSpec[]): Layout {
  const ids = new Set<string>();
  specs.forEach((s, i) => checkSpec(s, i, ids));

  // Point order: the lantern row (non-pixel fixtures) first, then each string.
  const row = specs.filter((s) => s.kind !== 'pixels');
  const strings = specs.filter((s) => s.kind === 'pixels');
  const pointStartOf = new Map<FixtureSpec, number>();
  const strands: Strand[] = [];
  let point = 0;
  if (row.length > 0) {
    strands.push({ index: 0, pointStart: 0, length: row.length });
    for (const s of row) pointStartOf.set(s, point++);
  }
  for (const s of strings) {
    strands.push({ index: strands.length, pointStart: point, length: s.pixels! });
    pointStartOf.set(s, point);
    point += s.pixels!;
  }

  let channel = 0;
  let rated = 0;
  let standby = 0;
  const fixtures: LayoutFixture[] = specs.map((s) => {
    const points = s.kind === 'pixels' ? s.pixels! : 1;
    const channels = channelsOf(s.kind, points);
    const f: LayoutFixture = {
      id: s.id,
      kind: s.kind,
      points,
      channels,
      channelStart: channel,
      pointStart: pointStartOf.get(s)!,
      ratedWatts: s.ratedWatts,
      standbyWatts: s.standbyWatts ?? 0,
    };
    channel += channels;
    rated += f.ratedWatts;
    standby += f.standbyWatts;
    return f;
  });
  if (channel > MAX_CHANNELS) throw new RangeError(`layout has ${channel} channels; the limit is ${MAX_CHANNELS}`);

  const channelWatts = new Float32Array(channel);
  for (const f of fixtures) channelWatts.fill(f.ratedWatts / f.channels, f.channelStart, f.channelStart + f.channels);

  return { fixtures, strands, channelCount: channel, pointCount: point, ratedWatts: rated, standbyWatts: standby, channelWatts };
}

function checkSpec(s: FixtureSpec, i: number, ids: Set<string>): void {
  const where = `fixture ${i}${typeof s?.id === 'string' ? ` ('${s.id}')` : ''}`;
  if (!isSceneId(s?.id)) throw new RangeError(`${where}: id must match ^[a-z0-9][a-z0-9-]{0,47}$`);
  if (ids.has(s.id)) throw new RangeError(`${where}: duplicate id`);
  ids.add(s.id);
  if (!(FIXTURE_KINDS as readonly string[]).includes(s.kind)) throw new RangeError(`${where}: kind must be one of ${FIXTURE_KINDS.join(', ')}`);
  if (s.kind === 'pixels') {
    if (!Number.isInteger(s.pixels) || s.pixels! < 1 || s.pixels! > MAX_PIXELS_PER_STRING) {
      throw new RangeError(`${where}: pixels must be an integer 1–${MAX_PIXELS_PER_STRING}`);
    }
  } else if (s.pixels !== undefined && s.pixels !== 1) {
    throw new RangeError(`${where}: pixels is only for kind 'pixels'`);
  }
  if (!Number.isFinite(s.ratedWatts) || s.ratedWatts < 0 || s.ratedWatts > 100_000) throw new RangeError(`${where}: ratedWatts must be 0–100000 W`);
  if (s.standbyWatts !== undefined && (!Number.isFinite(s.standbyWatts) || s.standbyWatts < 0 || s.standbyWatts > 10_000)) {
    throw new RangeError(`${where}: standbyWatts must be 0–10000 W`);
  }
}

export interface GroupSpec {
  kind: FixtureKind;
  /** Total channels of the group: n dimmers or relays, 3n for RGB and for a pixel string, 4n for RGBW. */
  channels: number;
  /** Rated watts of the whole group at full output. */
  ratedWatts: number;
  standbyWatts?: number;
  /** Id prefix of the generated fixtures. Default 'f'. */
  idPrefix?: string;
}

/**
 * The layout of a uniform lantern group as the registry knows it (kind, channel count, rated watts):
 * n dimmers or relays, n RGB or RGBW lanterns, or one pixel string. Watts are shared equally.
 */
export function layoutForGroup(group: GroupSpec): Layout {
  const { kind, channels } = group;
  const per = kind === 'pixels' || kind === 'rgb' ? 3 : kind === 'rgbw' ? 4 : 1;
  if (!Number.isInteger(channels) || channels < per || channels % per !== 0) {
    throw new RangeError(`a '${kind}' group needs a positive channel count divisible by ${per}, got ${channels}`);
  }
  const prefix = group.idPrefix ?? 'f';
  const standby = group.standbyWatts ?? 0;
  if (kind === 'pixels') {
    return createLayout([{ id: `${prefix}0`, kind, pixels: channels / 3, ratedWatts: group.ratedWatts, standbyWatts: standby }]);
  }
  const n = channels / per;
  const specs: FixtureSpec[] = [];
  for (let i = 0; i < n; i++) specs.push({ id: `${prefix}${i}`, kind, ratedWatts: group.ratedWatts / n, standbyWatts: standby / n });
  return createLayout(specs);
}
