/**
 * Runs energy estimates in one worker thread, one at a time, so rendering thousands of frames never
 * holds up acks and live pushes. The queue is bounded (a full queue is refused with 503
 * CAIDENG_ERR_ESTIMATE_BUSY) and each estimate has a deadline: a worker past it is terminated (the only
 * way to stop a synchronous render) and a fresh one starts with the next job.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { CaidengError } from '@caideng/protocol';
import type { Config } from '../../config/schema.js';
import type { EstimateJob, EstimateReply } from './estimateWorker.js';
import type { EstimateResult } from './energy.js';

// A worker thread runs JavaScript: when this module runs from its TypeScript source (the tests), the
// worker is the compiled file of the same source (`npm test` builds first).
const WORKER_URL = import.meta.url.endsWith('.ts')
  ? new URL('../../../dist/features/scenes/estimateWorker.js', import.meta.url)
  : new URL('./estimateWorker.js', import.meta.url);

interface Queued {
  job: EstimateJob;
  resolve: (r: EstimateResult) => void;
  reject: (err: Error) => void;
}

export class Estimator {
  private worker: Worker | null = null;
  private running: (Queued & { timer: NodeJS.Timeout | null }) | null = null;
  /** The worker has loaded its modules (a job's deadline runs from then). */
  private ready = false;
  private readonly queue: Queued[] = [];
  private nextId = 1;
  private stopped = false;
  readonly counters = { completed: 0, refusedBusy: 0, timeouts: 0, failed: 0, workerRestarts: 0 };

  constructor(
    private readonly limits: Config['scenes'],
    private readonly log: Logger,
  ) {}

  /** Estimates waiting behind the running one. */
  get queued(): number {
    return this.queue.length;
  }

  get busy(): boolean {
    return this.running !== null;
  }

  run(job: Omit<EstimateJob, 'id'>): Promise<EstimateResult> {
    if (this.stopped) return Promise.reject(new CaidengError('CAIDENG_ERR_ESTIMATE_BUSY', [0]));
    if (this.running && this.queue.length >= this.limits.estimateQueue) {
      this.counters.refusedBusy++;
      return Promise.reject(new CaidengError('CAIDENG_ERR_ESTIMATE_BUSY', [this.queue.length]));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ job: { ...job, id: this.nextId++ }, resolve, reject });
      this.pump();
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const err = new CaidengError('CAIDENG_ERR_ESTIMATE_BUSY', [0]);
    for (const q of this.queue.splice(0)) q.reject(err);
    if (this.running) {
      if (this.running.timer) clearTimeout(this.running.timer);
      this.running.reject(err);
      this.running = null;
    }
    const worker = this.worker;
    this.worker = null;
    if (worker) await worker.terminate();
  }

  private pump(): void {
    if (this.running || this.stopped) return;
    const next = this.queue.shift();
    if (!next) return;
    const worker = this.ensureWorker();
    this.running = { ...next, timer: this.ready ? this.deadline() : null };
    worker.postMessage(next.job);
  }

  private deadline(): NodeJS.Timeout {
    return setTimeout(() => this.timedOut(), this.limits.estimateTimeoutMs);
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_URL);
    // An idle estimate worker never keeps the process alive.
    worker.unref();
    worker.on('message', (reply: EstimateReply) => {
      if (this.worker !== worker) return; // the answer of a worker stopped at its deadline
      const r = this.running;
      if ('ready' in reply) {
        this.ready = true;
        if (r && !r.timer) r.timer = this.deadline();
        return;
      }
      if (!r || r.job.id !== reply.id) return;
      if (r.timer) clearTimeout(r.timer);
      this.running = null;
      if (reply.ok) {
        this.counters.completed++;
        r.resolve(reply.result);
      } else {
        this.counters.failed++;
        r.reject(new Error(`energy estimate failed: ${reply.message}`));
      }
      this.pump();
    });
    worker.on('error', (err) => {
      this.log.error({ err }, 'energy estimate worker failed');
      this.lost(worker, err);
    });
    worker.on('exit', (code) => {
      if (this.worker === worker) this.lost(worker, new Error(`energy estimate worker exited with code ${code}`));
    });
    this.worker = worker;
    this.ready = false;
    return worker;
  }

  /** The worker died: fail its job, start over with the next one. */
  private lost(worker: Worker, err: Error): void {
    if (this.worker !== worker) return;
    this.worker = null;
    this.counters.workerRestarts++;
    const r = this.running;
    this.running = null;
    if (r) {
      if (r.timer) clearTimeout(r.timer);
      this.counters.failed++;
      r.reject(err);
    }
    this.pump();
  }

  private timedOut(): void {
    const r = this.running;
    if (!r) return;
    this.running = null;
    this.counters.timeouts++;
    r.reject(new CaidengError('CAIDENG_ERR_ESTIMATE_TIMEOUT', [this.limits.estimateTimeoutMs]));
    const worker = this.worker;
    this.worker = null;
    if (worker) {
      this.counters.workerRestarts++;
      worker.terminate().catch((err: unknown) => this.log.warn({ err }, 'could not terminate the energy estimate worker'));
    }
    this.pump();
  }
}
