/**
 * Event-loop delay over a recent window, for /api/metrics. Node's histogram wakes every `resolutionMs`
 * and records the interval between two wake-ups, so an idle loop reads the resolution itself (10.25 ms at
 * the median): the figures here are what exceeds it. The histogram starts over every `windowMs`, and a
 * reading is the last complete window (the current one until the first completes), so a stall shows for
 * one window and then ages out instead of weighing on every later reading.
 */
import { EventEmitter } from 'node:events';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export interface LoopDelayReading {
  /** Delay beyond the sampling interval, ms. */
  p50: number;
  p99: number;
  max: number;
  /** Length of the window the figures cover, s. */
  windowS: number;
}

export interface LoopDelayOptions {
  /** Default 10,000. */
  windowMs?: number;
  /** Sampling interval of the histogram; default 10. */
  resolutionMs?: number;
}

export class LoopDelayWindow extends EventEmitter<{ window: [LoopDelayReading] }> {
  private readonly histogram: IntervalHistogram;
  private readonly windowMs: number;
  private readonly resolutionMs: number;
  private last: LoopDelayReading | null = null;
  private timer: NodeJS.Timeout | null = null;
  private started = 0;

  constructor(options: LoopDelayOptions = {}) {
    super();
    this.windowMs = options.windowMs ?? 10_000;
    this.resolutionMs = options.resolutionMs ?? 10;
    this.histogram = monitorEventLoopDelay({ resolution: this.resolutionMs });
  }

  start(): void {
    this.histogram.enable();
    this.started = Date.now();
    this.timer = setInterval(() => {
      this.last = this.current();
      this.histogram.reset();
      this.started = Date.now();
      this.emit('window', this.last);
    }, this.windowMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.histogram.disable();
  }

  /** The last complete window, or the current one before the first has completed. */
  read(): LoopDelayReading {
    return this.last ?? this.current();
  }

  private current(): LoopDelayReading {
    const h = this.histogram;
    // An empty histogram reads 0 everywhere; min is then 9223372036854776000.
    const beyond = (ns: number) => (h.count === 0 ? 0 : Math.round(Math.max(0, ns / 1e6 - this.resolutionMs) * 100) / 100);
    return { p50: beyond(h.percentile(50)), p99: beyond(h.percentile(99)), max: beyond(h.max), windowS: Math.round((Date.now() - this.started) / 100) / 10 };
  }
}
