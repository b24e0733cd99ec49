/**
 * Telemetry ingest: rows are buffered and written in one transaction per flush interval, so
 * thousands of readings per second cost a few transactions, not thousands. Old rows are pruned daily.
 */
import { Feature, type FeatureContext } from '../feature.js';
import type { TelemetryTable } from '../../store/schema.js';
import type { TelemetryRow } from '../../bus/eventBus.js';

/** A flush is started early when this many rows wait, so one flush never blocks the event loop for long. */
const MAX_BUFFER = 2000;
/** Fixed-size multi-row inserts: a few distinct statements, each prepared once. */
const ROWS_PER_INSERT = 100;

export class TelemetryStore extends Feature {
  private buffer: TelemetryTable[] = [];
  private timer: NodeJS.Timeout | null = null;
  private pruneTimer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  stored = 0;

  constructor(ctx: FeatureContext) {
    super(ctx, 'telemetry');
  }

  override async start(): Promise<void> {
    this.ctx.bus.on('group.telemetry', this, ({ address, telemetry, receivedAt }) => {
      this.buffer.push({
        compound_id: address.compound,
        group_id: address.device,
        ts: telemetry.ts,
        received_at: receivedAt,
        watts: telemetry.watts,
        temperature_c: telemetry.temperatureC ?? null,
        energy_wh: telemetry.energyWh ?? null,
        faults_json: telemetry.faults.length > 0 ? JSON.stringify(telemetry.faults) : null,
      });
      if (this.buffer.length >= MAX_BUFFER) void this.flush();
    });
    this.timer = setInterval(() => void this.flush(), this.ctx.config.storage.telemetryFlushMs);
    this.timer.unref();
    this.pruneTimer = setInterval(() => void this.prune(), 3600_000);
    this.pruneTimer.unref();
  }

  override async stop(): Promise<void> {
    await super.stop();
    if (this.timer) clearInterval(this.timer);
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    await this.flush();
  }

  /** Writes everything buffered so far; resolves when it is stored. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.buffer.length === 0) return;
      const rows = this.buffer;
      this.buffer = [];
      const storedBefore = this.stored;
      try {
        // Each chunk is its own short write, with a turn of the event loop in between, so acks and
        // pushes are never queued behind a long insert.
        for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
          if (i > 0) await new Promise((r) => setImmediate(r));
          await this.ctx.db.insertInto('telemetry').values(rows.slice(i, i + ROWS_PER_INSERT)).execute();
          this.stored += Math.min(ROWS_PER_INSERT, rows.length - i);
        }
        this.ctx.bus.emit('telemetry.batch', { rows: rows.map(toBusRow) });
      } catch (err) {
        const unstored = rows.length - (this.stored - storedBefore);
        this.buffer = rows.slice(rows.length - unstored).concat(this.buffer).slice(-MAX_BUFFER * 4);
        this.log.error({ err, rows: rows.length }, 'could not store telemetry; will retry');
      }
    });
    return this.flushing;
  }

  async prune(now = Date.now()): Promise<number> {
    const cutoff = now - this.ctx.config.storage.telemetryRetentionDays * 86_400_000;
    const result = await this.ctx.db.deleteFrom('telemetry').where('received_at', '<', cutoff).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

function toBusRow(r: TelemetryTable): TelemetryRow {
  return {
    compound: r.compound_id,
    group: r.group_id,
    ts: r.ts,
    receivedAt: r.received_at,
    watts: r.watts,
    temperatureC: r.temperature_c,
    energyWh: r.energy_wh,
    faults: r.faults_json ? (JSON.parse(r.faults_json) as string[]) : [],
  };
}
