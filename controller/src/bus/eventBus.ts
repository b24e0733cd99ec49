/**
 * A typed in-process event bus. Each listener is isolated: one that throws (or rejects) is logged and
 * the others still run, so a failing feature cannot take the controller down.
 */
import type { Logger } from 'pino';
import type {
  Availability,
  DeviceAddress,
  DeviceKind,
  DeviceStatus,
  DeviceRequest,
  GroupAck,
  GroupState,
  GroupTelemetry,
  KioskButton,
  KioskEvent,
} from '@caideng/protocol';
import type { Identity } from '../broker/identity.js';
import type { OverrideView } from '../features/schedule/scheduler.js';

/** A resident's press as stored (once) by the kiosk feature. */
export interface StoredPress {
  compound: string;
  kiosk: string;
  button: KioskButton;
  seq: number;
  /** Device time of the press, epoch ms. */
  ts: number;
  receivedAt: number;
  /** The kiosk's boot id, null when the event had none. */
  boot: string | null;
  /** 0, or the count of earlier presses that used the same (boot, seq) with other content. */
  variant: number;
}

/** What a command is doing: its source and issuer travel with it so the audit log can say who and why. */
export type { CommandSource } from '@caideng/protocol';
import type { CommandSource } from '@caideng/protocol';

/** One delivery of a command reached its outcome (ack, expiry, timeout). */
export interface SettledDelivery {
  commandId: string;
  compound: string;
  group: string;
  status: 'ok' | 'error' | 'expired' | 'duplicate' | 'timeout';
  sentAt: number;
  settledAt: number;
  code: string | null;
  error: string | null;
  /** Who issued the command; null only for commands stored before sources were recorded. */
  source: CommandSource | null;
  issuer: string | null;
  /** An ack that arrived after the delivery had timed out, or after a restart: it corrects the stored outcome. */
  late: boolean;
}

/** Something a kiosk did that staff should look at: `seq_reused` = a press reused a (boot, seq) with other content. */
export interface KioskHealth {
  compound: string;
  kiosk: string;
  kind: 'seq_reused';
  seq: number;
  boot: string | null;
  at: number;
}

/** A batch of telemetry rows the store has written. */
export interface TelemetryRow {
  compound: string;
  group: string;
  ts: number;
  receivedAt: number;
  watts: number;
  temperatureC: number | null;
  energyWh: number | null;
  faults: string[];
}

/**
 * Every event on the controller's bus. Broker events (`device.*`, `group.*`, `kiosk.event`) are what
 * arrived and passed the contract; domain events (`state.changed`, `availability.changed`, `press.stored`,
 * `command.settled`, `telemetry.batch`) are what the features concluded. Features and realtime subscribe
 * here, never to another feature's private listeners. docs/architecture.md lists who reacts to what.
 */
export interface BusEvents {
  'device.availability': { address: DeviceAddress; availability: Availability; receivedAt: number };
  /** The device's last session ended. `hadWill`: its last-will published its `offline`; `shutdown`: the broker is stopping. */
  'device.disconnected': { identity: Identity; hadWill: boolean; shutdown: boolean; at: number };
  'group.state': { address: DeviceAddress; state: GroupState; receivedAt: number };
  'group.telemetry': { address: DeviceAddress; telemetry: GroupTelemetry; receivedAt: number };
  'group.ack': { address: DeviceAddress; ack: GroupAck; receivedAt: number };
  'kiosk.event': { address: DeviceAddress; event: KioskEvent; receivedAt: number };
  'device.request': { address: DeviceAddress; request: DeviceRequest; receivedAt: number };
  'message.rejected': { identity: Identity | null; topic: string; code: string; reason: string; at: number };
  /** The controller's view of a device changed (availability, state or metering). The status object is live: copy it to keep it. */
  'state.changed': { status: DeviceStatus; meteringOnly: boolean };
  /** A device went online or offline (from its availability topic, its last-will or its disconnect). */
  'availability.changed': { compound: string; kind: DeviceKind; id: string; online: boolean; at: number };
  /** A kiosk press was stored for the first time (re-sends are not repeated here). */
  'press.stored': { press: StoredPress };
  /** A command's delivery to one group is settled; `remaining` is how many of the command's deliveries are not. */
  'command.settled': { delivery: SettledDelivery; remaining: number };
  /** Telemetry rows were stored (after the write, in the order they arrived). */
  'telemetry.batch': { rows: readonly TelemetryRow[] };
  /** A device's credential stopped working (rotated or revoked): its live sessions must end now. */
  'credential.revoked': { username: string; reason: 'rotated' | 'revoked' };
  /**
   * A person's sessions ended: all of `username`'s, or only `session` (a hashed session id). Live
   * connections that rode on them close now.
   */
  'auth.sessions.ended': { username: string; session?: string; except?: string; reason: 'logout' | 'everywhere' | 'changed' | 'password' };
  /** A kiosk needs attention (its press counter started over without a new boot id). */
  'kiosk.health': KioskHealth;
  /** A durable deadline's handler ran and returned (once per scheduled deadline, across restarts). */
  'deadline.fired': { kind: string; key: string; dueAt: number; firedAt: number };
  /** A durable deadline's handler failed on its last attempt; the deadline is marked failed. */
  'deadline.failed': { kind: string; key: string; dueAt: number; attempts: number; error: string };
  /** Schedule rules or overrides changed (`revision` counts every change); the compounds' plans were compiled again. */
  'schedule.changed': { compounds: string[]; revision: number; at: number };
  /** An override began (`override`), or ended (`override: null`, `ended`: its id) early or at its end. */
  'override.changed': { compound: string; override: OverrideView | null; ended?: string };
}

type Listener<E extends keyof BusEvents> = (payload: BusEvents[E]) => void | Promise<void>;

export class EventBus {
  private readonly listeners = new Map<keyof BusEvents, Array<{ owner: object; fn: Listener<never> }>>();
  constructor(private readonly log: Logger) {}

  on<E extends keyof BusEvents>(event: E, owner: object, fn: Listener<E>): void {
    let list = this.listeners.get(event);
    if (!list) this.listeners.set(event, (list = []));
    list.push({ owner, fn: fn as Listener<never> });
  }

  /** Removes every listener of `owner` (features call this in stop()). */
  removeOwner(owner: object): void {
    for (const [event, list] of this.listeners) {
      this.listeners.set(
        event,
        list.filter((l) => l.owner !== owner),
      );
    }
  }

  /** Whether anyone listens to `event` (lets an emitter skip building a payload nobody reads). */
  has(event: keyof BusEvents): boolean {
    return (this.listeners.get(event)?.length ?? 0) > 0;
  }

  emit<E extends keyof BusEvents>(event: E, payload: BusEvents[E]): void {
    const list = this.listeners.get(event);
    if (!list) return;
    for (const { fn } of list) {
      try {
        const result = (fn as Listener<E>)(payload);
        if (result && typeof (result as Promise<void>).catch === 'function') {
          (result as Promise<void>).catch((err: unknown) => this.log.error({ err, event }, 'event listener failed'));
        }
      } catch (err) {
        this.log.error({ err, event }, 'event listener failed');
      }
    }
  }
}
