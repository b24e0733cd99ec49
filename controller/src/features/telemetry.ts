/**
 * Telemetry ingest: rows are buffered and written in one transaction per flush interval, so
 * thousands of readings per second cost a few transactions, not thousands. Old rows are pruned daily.
 */
import { Feature, type FeatureContext } from './feature.js';
import type { TelemetryTable } from '../store/schema.js';

const MAX_BUFFER = 5000;
const ROWS_PER_INSERT = 500;

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
      try {
        await this.ctx.db.transaction().execute(async (trx) => {
          for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
            await trx.insertInto('telemetry').values(rows.slice(i, i + ROWS_PER_INSERT)).execute();
          }
        });
        this.stored += rows.length;
      } catch (err) {
        this.buffer = rows.concat(this.buffer).slice(-MAX_BUFFER * 4);
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
