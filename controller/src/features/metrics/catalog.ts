/**
 * What the metrics store holds: measurements with their tags and numeric fields, and the roll-up levels.
 * Both stores are driven by this one catalog (SQLite roll-up tables, InfluxDB retention policies and
 * continuous queries), so a new field is added here once.
 */

/** One point: a measurement, its tags (which series it belongs to), numeric fields, a timestamp (epoch ms). */
export interface MetricPoint {
  measurement: Measurement;
  tags: Readonly<Record<string, string>>;
  fields: Readonly<Record<string, number>>;
  ts: number;
}

export const CATALOG = {
  /** Per lantern group, per reading: `wh` and `burn_s` are the energy and lit time since its previous reading (0 across a gap). */
  telemetry: { tags: ['compound', 'group'], fields: ['watts', 'brightness', 'on', 'temperature_c', 'faults', 'wh', 'burn_s'] },
  /** A device went online (1) or offline (0). */
  availability: { tags: ['compound', 'kind', 'device'], fields: ['online'] },
  /** A command delivery settled: latency from send to ack, and how far the group's start was from the one asked for. */
  command: { tags: ['compound', 'group', 'status'], fields: ['latency_ms', 'start_skew_ms'] },
  /** A resident's kiosk press (反馈亭): one point per press. */
  press: { tags: ['compound', 'kiosk', 'button'], fields: ['count'] },
  /** Sampled per compound: groups registered and online. */
  online: { tags: ['compound'], fields: ['groups', 'online'] },
  /** Sampled for the broker: connected clients and message rates over the sample. */
  broker: { tags: [], fields: ['clients', 'msgs_per_s', 'rejected', 'rate_limited'] },
  /** The metrics pipeline itself: points waiting in the outbox. */
  metrics_outbox: { tags: [], fields: ['points'] },
} as const satisfies Record<string, { tags: readonly string[]; fields: readonly string[] }>;

export type Measurement = keyof typeof CATALOG;
export const MEASUREMENTS = Object.keys(CATALOG) as Measurement[];

/** Resolutions of a query, finest first: `raw` is the raw points on a 10 s grid. */
export const LEVELS = ['raw', 'minute', 'hour', 'day'] as const;
export type Level = (typeof LEVELS)[number];
export const BUCKET_MS: Record<Level, number> = { raw: 10_000, minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** The resolution for a range: about 360 buckets or fewer, so a chart never gets thousands of points. */
export function levelFor(from: number, to: number): Level {
  const span = to - from;
  if (span <= 2 * 3_600_000) return 'raw';
  if (span <= 2 * 86_400_000) return 'minute';
  if (span <= 62 * 86_400_000) return 'hour';
  return 'day';
}

/** A series' identity: its tags in catalog order, `key=value` joined by commas (the same string in both stores). */
export function seriesKey(measurement: Measurement, tags: Readonly<Record<string, string>>): string {
  return CATALOG[measurement].tags.map((t) => `${t}=${tags[t] ?? ''}`).join(',');
}
