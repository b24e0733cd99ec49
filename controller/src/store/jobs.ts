/**
 * A periodic background job: runs never overlap, every error is caught, logged and counted (a rejected
 * promise from a timer would otherwise be an unhandled rejection), and after a failure the next run
 * backs off.
 */
import type { Logger } from 'pino';
import { backoffMs } from './writeQueue.js';

export interface PeriodicJobOptions {
  /** What the log says failed ("prune telemetry"). */
  what: string;
  log: Logger;
  intervalMs: number;
  /** Delay of the first run after start(); default intervalMs. */
  firstDelayMs?: number;
  /** Longest delay after failures (doubling from intervalMs); default intervalMs (no backoff). */
  maxBackoffMs?: number;
  run: () => Promise<void>;
}

export class PeriodicJob {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<boolean> | null = null;
  private stopped = true;
  /** Failed runs since start. */
  failures = 0;
  /** Failed runs in a row (0 after a success). */
  consecutiveFailures = 0;

  constructor(private readonly options: PeriodicJobOptions) {}

  start(): void {
    this.stopped = false;
    this.arm(this.options.firstDelayMs ?? this.options.intervalMs);
  }

  /** Clears the timer and waits for a run in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  get isStopping(): boolean {
    return this.stopped;
  }

  /** Runs the job now (or joins the run in progress); resolves with whether it succeeded. Never rejects. */
  runNow(): Promise<boolean> {
    this.running ??= this.runOnce().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async runOnce(): Promise<boolean> {
    try {
      await this.options.run();
      this.consecutiveFailures = 0;
      return true;
    } catch (err) {
      this.failures++;
      this.consecutiveFailures++;
      this.options.log.error({ err, failures: this.consecutiveFailures, retryInMs: this.delay() }, `could not ${this.options.what}; will try again`);
      return false;
    }
  }

  private delay(): number {
    const { intervalMs, maxBackoffMs = intervalMs } = this.options;
    if (this.consecutiveFailures === 0) return intervalMs;
    return Math.max(intervalMs, backoffMs(this.consecutiveFailures + 1, intervalMs, maxBackoffMs));
  }

  private arm(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.runNow().then(() => this.arm(this.delay()));
    }, delayMs);
    this.timer.unref();
  }
}
