/** Requests between the benchmark and its fleet processes (fleet.ts ↔ fleetProcess.ts), over Node IPC. */
import type { GroupCredential } from '../credentials.js';

export type FleetRequest =
  | { op: 'init'; url: string; groups: GroupCredential[]; reconnectBaseMs: number; reconnectMaxMs: number }
  | { op: 'connect'; concurrency: number }
  | { op: 'ingest'; perDevice: number; window: number }
  | { op: 'steady'; ratePerS: number }
  | { op: 'steadyStop' }
  | { op: 'status' }
  | { op: 'stop' };

export type FleetReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };
