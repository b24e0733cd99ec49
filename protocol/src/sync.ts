/**
 * Start skew, as the controller reports it (GET /api/sync): how far from a command's `startAt` each lantern
 * group actually showed its first frame (`GroupState.startedAt`), per group and per show (one command, all its
 * groups). Late is positive, ms.
 */
import Type from 'typebox';
import { EpochMs, GroupState, Id } from './payloads.js';

const closed = { additionalProperties: false } as const;
const Skew = Type.Number({ description: 'ms; positive = late' });
const AbsSkew = Type.Number({ minimum: 0, description: 'ms, early or late' });
const StartedAt = GroupState.properties.startedAt;

/** One group's last start that had a `startAt`. */
export const GroupSkew = Type.Object(
  {
    compound: Id,
    group: Id,
    skewMs: Skew,
    startAt: EpochMs,
    startedAt: StartedAt,
    commandId: Type.String(),
    at: Type.Integer({ description: 'when the controller received the report, epoch ms (wall clock)' }),
  },
  closed,
);
export type GroupSkew = Type.Static<typeof GroupSkew>;

/** One show: a command with a `startAt`, and the distribution of its groups' start skew so far (early or late alike). */
export const ShowSkew = Type.Object(
  {
    commandId: Type.String(),
    compound: Id,
    startAt: EpochMs,
    groups: Type.Integer({ minimum: 0, description: 'groups the command targeted' }),
    reported: Type.Integer({ minimum: 0, description: 'groups that reported their start' }),
    missing: Type.Integer({ minimum: 0, description: 'groups − reported' }),
    p50: Type.Union([AbsSkew, Type.Null()]),
    p95: Type.Union([AbsSkew, Type.Null()]),
    p99: Type.Union([AbsSkew, Type.Null()], { description: 'percentiles (nearest rank) of |skew|; null before the first report' }),
    max: Type.Union([AbsSkew, Type.Null()]),
  },
  closed,
);
export type ShowSkew = Type.Static<typeof ShowSkew>;

/** GET /api/sync[?compound=]: the groups' last skew and the recent shows, newest first, within the caller's scope. */
export const SyncReport = Type.Object(
  {
    ts: EpochMs,
    groups: Type.Array(GroupSkew),
    shows: Type.Array(ShowSkew),
  },
  closed,
);
export type SyncReport = Type.Static<typeof SyncReport>;
