/** Requests between the benchmark and its fleet processes (fleet.ts ↔ fleetProcess.ts), over Node IPC. */
import type { DeviceCredential, GroupCredential } from '../credentials.js';

/** A compound's bridge and the groups it carries (the `--via-bridges` topology). */
export interface BridgeShare {
  bridge: DeviceCredential;
  groups: GroupCredential[];
}

export type FleetRequest =
  | { op: 'init'; url: string; groups: GroupCredential[]; bridges?: BridgeShare[]; reconnectBaseMs: number; reconnectMaxMs: number }
  | { op: 'connect'; concurrency: number }
  | { op: 'ingest'; perDevice: number; window: number }
  | { op: 'steady'; ratePerS: number }
  | { op: 'steadyStop' }
  | { op: 'status' }
  | { op: 'stop' };

export type FleetReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };
