/**
 * The time-series feature: subscribes on the bus and turns what happened into points (telemetry with its
 * energy, availability changes, command acks, kiosk presses, sampled online counts and broker figures),
 * hands them to the writer, and answers the history questions the routes ask. The store is SQLite unless
 * `metrics.backend` is 'influx'; an InfluxDB that is away at start is retried in the background while
 * points wait in the outbox.
 */
import type { CompoundSummary } from '@caideng/protocol';
import { Feature, type FeatureContext } from '../feature.js';
import { PeriodicJob } from '../../store/jobs.js';
import { backoffMs } from '../../store/writeQueue.js';
import { BUCKET_MS, levelFor, type Level, type MetricPoint } from './catalog.js';
import { MetricsStoreError, series, totals, type MetricsStore, type Retention } from './metricsStore.js';
import { SqliteMetricsStore } from './sqliteStore.js';
import { InfluxMetricsStore } from './influxStore.js';
import { Outbox, type OutboxCounters } from './outbox.js';
import { MetricsWriter, type WriterCounters } from './writer.js';
import { EnergyIntegrator, energyReport, type EnergyReport } from './energy.js';

export type HistorySeries = 'power' | 'energy' | 'online' | 'satisfaction';

export interface MetricsSources {
  /** Live per-compound summaries (groups registered and online). */
  summaries: () => CompoundSummary[];
  /** Broker figures to sample. */
  broker: () => { clients: number; accepted: number; rejected: number; rateLimited: number };
  /** The start a command asked for (its startAt, else its issue time), for the start skew; null when unknown. */
  commandStart?: (commandId: string) => Promise<number | null>;
}

export interface HistoryRequest {
  series: HistorySeries;
  compound?: string | undefined;
  group?: string | undefined;
  button?: string | undefined;
  from: number;
  to: number;
  level?: Level;
  /** Compounds the caller may see (county-wide answers). */
  keep?: (compound: string) => boolean;
}

export interface MetricsCounters extends WriterCounters, OutboxCounters {
  backend: 'sqlite' | 'influx';
  /** 1 once the store is set up and takes writes. */
  storeReady: number;
  storeStartFailures: number;
  maintainFailures: number;
}

export class Metrics extends Feature {
  readonly store: MetricsStore;
  readonly writer: MetricsWriter;
  private readonly outbox: Outbox;
  private readonly energy: EnergyIntegrator;
  private readonly maintainJob: PeriodicJob | null;
  private readonly lastState = new Map<string, { brightness: number; on: number; tx?: string; startAt?: number }>();
  private sampler: NodeJS.Timeout | null = null;
  private starting: Promise<void> | null = null;
  private startTimer: NodeJS.Timeout | null = null;
  private startFailures = 0;
  private lastBroker: { at: number; accepted: number; rejected: number; rateLimited: number } | null = null;
  private stopped = false;
  private markReady: () => void = () => undefined;
  private readonly readyOnce = new Promise<void>((resolve) => (this.markReady = resolve));
  /** The last reason the store could not start, for logs and tests. */
  lastStartError: MetricsStoreError | null = null;

  constructor(
    ctx: FeatureContext,
    private readonly sources: MetricsSources,
    store?: MetricsStore,
  ) {
    super(ctx, 'metrics');
    const m = ctx.config.metrics;
    const retention: Retention = { rawDays: m.rawRetentionDays, minuteDays: m.minuteRetentionDays, hourDays: m.hourRetentionDays, dayDays: m.dayRetentionDays };
    this.store =
      store ??
      (m.backend === 'influx'
        ? new InfluxMetricsStore(
            { url: m.influx?.url ?? 'http://127.0.0.1:8086', database: m.influx?.database ?? 'caideng', username: m.influx?.username, password: m.influx?.password, requestTimeoutMs: m.influx?.requestTimeoutMs ?? 5000 },
            retention,
            this.log,
          )
        : new SqliteMetricsStore({ db: ctx.db, log: this.log, retention, writer: ctx.config.storage.telemetryWriter, pruneChunkRows: ctx.config.storage.pruneChunkRows }));
    this.outbox = new Outbox(ctx.db, m.outboxMaxPoints, m.outboxWarnShare, this.log);
    // The SQLite store's writer thread takes one batch at a time.
    const concurrency = this.store.kind === 'influx' ? m.writeConcurrency : 1;
    this.writer = new MetricsWriter(this.store, this.outbox, { ...m, concurrency }, this.log, (from, to) => this.store.rollup(from, to));
    this.energy = new EnergyIntegrator(m.energyGapMs);
    const sqlite = this.store instanceof SqliteMetricsStore ? this.store : null;
    this.maintainJob = sqlite
      ? new PeriodicJob({ what: 'roll up and prune metrics', log: this.log, intervalMs: m.maintainIntervalMs, maxBackoffMs: m.maintainIntervalMs * 10, run: async () => void (await sqlite.maintain(Date.now())) })
      : null;
  }

  get counters(): MetricsCounters {
    return {
      backend: this.store.kind,
      ...this.writer.counters,
      ...this.outbox.counters,
      storeReady: this.writer.ready ? 1 : 0,
      storeStartFailures: this.startFailures,
      maintainFailures: this.maintainJob?.failures ?? 0,
    };
  }

  /** Resolves once the store is set up and takes writes (tests, the benchmark). */
  ready(): Promise<void> {
    return this.readyOnce;
  }

  override async start(): Promise<void> {
    await this.outbox.open();
    const bus = this.ctx.bus;
    bus.on('group.state', this, ({ address, state }) => {
      const s: { brightness: number; on: number; tx?: string; startAt?: number } = { brightness: state.brightness, on: state.power === 'on' ? 1 : 0 };
      if (state.tx !== undefined) s.tx = state.tx;
      if (state.startAt !== undefined) s.startAt = state.startAt;
      this.lastState.set(`${address.compound}/${address.device}`, s);
    });
    bus.on('group.telemetry', this, ({ address, telemetry: t }) => {
      const key = `${address.compound}/${address.device}`;
      const { wh, burnS } = this.energy.reading(key, t.ts, t.watts);
      const st = this.lastState.get(key);
      const fields: Record<string, number> = { watts: t.watts, faults: t.faults.length, wh, burn_s: burnS };
      if (t.temperatureC !== undefined) fields.temperature_c = t.temperatureC;
      if (st) {
        fields.brightness = st.brightness;
        fields.on = st.on;
      }
      this.writer.push({ measurement: 'telemetry', tags: { compound: address.compound, group: address.device }, fields, ts: t.ts });
    });
    bus.on('availability.changed', this, ({ compound, kind, id, online, at }) => {
      if (!online && kind === 'group') this.energy.forget(`${compound}/${id}`);
      this.writer.push({ measurement: 'availability', tags: { compound, kind, device: id }, fields: { online: online ? 1 : 0 }, ts: at });
    });
    bus.on('command.settled', this, async ({ delivery: d }) => {
      // For a timeout or an expiry the latency is how long it waited; the status tag tells them apart.
      const fields: Record<string, number> = { latency_ms: d.settledAt - d.sentAt };
      const st = this.lastState.get(`${d.compound}/${d.group}`);
      if (d.status === 'ok' && st?.tx === d.commandId && st.startAt !== undefined) {
        const asked = (await this.sources.commandStart?.(d.commandId).catch(() => null)) ?? null;
        if (asked !== null) fields.start_skew_ms = st.startAt - asked;
      }
      this.writer.push({ measurement: 'command', tags: { compound: d.compound, group: d.group, status: d.status }, fields, ts: d.settledAt });
    });
    bus.on('press.stored', this, ({ press }) => {
      this.writer.push({ measurement: 'press', tags: { compound: press.compound, kiosk: press.kiosk, button: press.button }, fields: { count: 1 }, ts: press.ts });
    });
    this.sampler = setInterval(() => this.sample(Date.now()), this.ctx.config.metrics.sampleMs);
    this.sampler.unref();
    this.maintainJob?.start();
    this.startStore();
  }

  override async stop(): Promise<void> {
    await super.stop();
    this.stopped = true;
    if (this.sampler) clearInterval(this.sampler);
    if (this.startTimer) clearTimeout(this.startTimer);
    await this.starting?.catch(() => undefined);
    await this.maintainJob?.stop();
    await this.writer.stop();
    await this.store.close();
  }

  /** Takes the sampled figures now (the timer calls this every `metrics.sampleMs`). */
  sample(now: number): void {
    for (const s of this.sources.summaries()) {
      this.writer.push({ measurement: 'online', tags: { compound: s.id }, fields: { groups: s.groups, online: s.groupsOnline }, ts: now });
    }
    const b = this.sources.broker();
    const prev = this.lastBroker;
    const dt = prev ? (now - prev.at) / 1000 : 0;
    const fields: Record<string, number> = { clients: b.clients };
    if (prev && dt > 0) {
      fields.msgs_per_s = (b.accepted - prev.accepted) / dt;
      fields.rejected = b.rejected - prev.rejected;
      fields.rate_limited = b.rateLimited - prev.rateLimited;
    }
    this.lastBroker = { at: now, accepted: b.accepted, rejected: b.rejected, rateLimited: b.rateLimited };
    this.writer.push({ measurement: 'broker', tags: {}, fields, ts: now });
    this.writer.push({ measurement: 'metrics_outbox', tags: {}, fields: { points: this.outbox.points }, ts: now });
  }

  /** `[ts, value]` per bucket: watts, kWh, online share (0–1) or presses. */
  async history(r: HistoryRequest): Promise<{ level: Level; points: Array<[number, number]> }> {
    const level = r.level ?? levelFor(r.from, r.to);
    const keep = r.keep ? (tags: Record<string, string>) => r.keep!(tags.compound ?? '') : undefined;
    const base = { from: r.from, to: r.to, level, ...(keep ? { keep } : {}) };
    if (r.series === 'power' || r.series === 'energy') {
      const points = await series(this.store, {
        ...base,
        measurement: 'telemetry',
        field: r.series === 'power' ? 'watts' : 'wh',
        where: { compound: r.compound, group: r.group },
        inner: r.series === 'power' ? 'mean' : 'sum',
        outer: 'sum',
      });
      return { level, points: r.series === 'energy' ? points.map(([t, wh]) => [t, Math.round(wh * 10) / 10_000]) : points.map(([t, w]) => [t, Math.round(w * 100) / 100]) };
    }
    if (r.series === 'online') {
      const where = { compound: r.compound };
      const [online, groups] = await Promise.all([
        series(this.store, { ...base, measurement: 'online', field: 'online', where, inner: 'mean', outer: 'sum' }),
        series(this.store, { ...base, measurement: 'online', field: 'groups', where, inner: 'mean', outer: 'sum' }),
      ]);
      const total = new Map(groups);
      return { level, points: online.map(([t, v]) => [t, Math.round((v / Math.max(1, total.get(t) ?? 0)) * 10_000) / 10_000]) };
    }
    const points = await series(this.store, { ...base, measurement: 'press', field: 'count', where: { compound: r.compound, button: r.button }, inner: 'sum', outer: 'sum' });
    return { level, points };
  }

  /** Energy and cost of a compound (or every compound the caller sees) over a range, per night. */
  async energyOf(r: { compound?: string | undefined; from: number; to: number; keep?: (compound: string) => boolean }): Promise<EnergyReport> {
    const keep = r.keep;
    const hours = await series(this.store, {
      measurement: 'telemetry',
      field: 'wh',
      where: { compound: r.compound },
      from: r.from,
      to: r.to,
      level: 'hour',
      inner: 'sum',
      outer: 'sum',
      ...(keep ? { keep: (tags: Record<string, string>) => keep(tags.compound ?? '') } : {}),
    });
    return energyReport(hours, this.ctx.config.metrics.tariff, this.ctx.config.timezone);
  }

  /** Per group: hours lit, or fault reports, over a range, largest first. */
  async perGroup(
    what: 'burn' | 'faults',
    r: { compound?: string | undefined; from: number; to: number; limit: number; keep?: (compound: string) => boolean },
  ): Promise<Array<{ compound: string; group: string; value: number }>> {
    const keep = r.keep;
    const rows = await totals(this.store, {
      measurement: 'telemetry',
      field: what === 'burn' ? 'burn_s' : 'faults',
      where: { compound: r.compound },
      from: r.from,
      to: r.to,
      level: r.to - r.from <= 2 * BUCKET_MS.day ? 'minute' : 'hour',
      inner: 'sum',
      by: ['compound', 'group'],
      ...(keep ? { keep: (tags: Record<string, string>) => keep(tags.compound ?? '') } : {}),
    });
    return rows
      .map((x) => ({ compound: x.tags.compound ?? '', group: x.tags.group ?? '', value: what === 'burn' ? Math.round((x.value / 3600) * 100) / 100 : x.value }))
      .filter((x) => x.value > 0)
      .sort((a, b) => b.value - a.value)
      .slice(0, r.limit);
  }

  /** Writes what is buffered and waits for the outbox to empty (tests, benchmark, a graceful stop). */
  idle(): Promise<void> {
    return this.writer.idle();
  }

  /** Pushes a point straight to the writer (the benchmark, and seeding history). */
  record(point: MetricPoint): void {
    this.writer.push(point);
  }

  private startStore(): void {
    if (this.stopped) return;
    this.starting = this.store
      .start()
      .then(() => {
        this.writer.ready = true;
        this.markReady();
        this.lastStartError = null;
        if (this.startFailures > 0) this.log.info({ failures: this.startFailures }, 'metrics store is set up');
        this.writer.kick();
      })
      .catch((err: unknown) => {
        this.startFailures++;
        this.lastStartError = err instanceof MetricsStoreError ? err : new MetricsStoreError(String(err), 'failed', { cause: err });
        const retryInMs = backoffMs(this.startFailures, this.ctx.config.metrics.retryBaseMs, this.ctx.config.metrics.retryMaxMs);
        this.log.error({ reason: this.lastStartError.reason, err: this.lastStartError.message, retryInMs }, `metrics store could not start: ${this.lastStartError.message}`);
        this.startTimer = setTimeout(() => this.startStore(), retryInMs);
        this.startTimer.unref();
      })
      .finally(() => {
        this.starting = null;
      });
  }
}
