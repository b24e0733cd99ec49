/**
 * Commands to a whole compound (POST /api/compounds/:compound/commands?wait=…): the answer is the
 * command record with each group's delivery once every group has acked or the wait is over.
 */
import type { CommandBody, CommandRecord, Delivery, DeliveryStatus } from '@caideng/protocol';
import { postJson } from './api';

export type { CommandBody, CommandRecord, Delivery, DeliveryStatus };

/** How long the page waits for the acks before it shows what it has (the rest stay `sent`). */
export const COMMAND_WAIT_MS = 8000;

export function sendCompoundCommand(compound: string, body: CommandBody): Promise<CommandRecord> {
  return postJson<CommandRecord>(`/api/compounds/${encodeURIComponent(compound)}/commands?wait=${COMMAND_WAIT_MS}`, body);
}

export interface Outcome {
  delivered: number;
  failed: number;
  pending: number;
  total: number;
}

/** Counts a record's deliveries: `ok` and `duplicate` reached the group, `sent` is still waiting, the rest failed. */
export function outcome(record: CommandRecord): Outcome {
  let delivered = 0;
  let failed = 0;
  let pending = 0;
  for (const d of record.deliveries) {
    if (d.status === 'ok' || d.status === 'duplicate') delivered++;
    else if (d.status === 'sent') pending++;
    else failed++;
  }
  return { delivered, failed, pending, total: record.deliveries.length };
}
