/** Worker thread of the energy estimates: renders off the main thread, one job at a time. */
import { parentPort } from 'node:worker_threads';
import type { Scene } from '@caideng/scenes';
import { estimateGroups, type EstimateGroup, type EstimateOptions } from './energy.js';

export interface EstimateJob {
  id: number;
  scene: Scene;
  groups: EstimateGroup[];
  options: EstimateOptions;
}

export type EstimateReply =
  | { ready: true }
  | { id: number; ok: true; result: ReturnType<typeof estimateGroups> }
  | { id: number; ok: false; message: string };

const port = parentPort;
if (port) {
  port.on('message', (job: EstimateJob) => {
    let reply: EstimateReply;
    try {
      reply = { id: job.id, ok: true, result: estimateGroups(job.scene, job.groups, job.options) };
    } catch (err) {
      reply = { id: job.id, ok: false, message: err instanceof Error ? err.message : String(err) };
    }
    port.postMessage(reply);
  });
  // Loaded: the deadline of the first job starts now, not while the thread was starting.
  port.postMessage({ ready: true } satisfies EstimateReply);
}
