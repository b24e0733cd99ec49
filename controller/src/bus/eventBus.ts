/**
 * A typed in-process event bus. Each listener is isolated: one that throws (or rejects) is logged and
 * the others still run, so a failing feature cannot take the controller down.
 */
import type { Logger } from 'pino';
import type {
  Availability,
  DeviceAddress,
  DeviceRequest,
  GroupAck,
  GroupState,
  GroupTelemetry,
  KioskEvent,
} from '@caideng/protocol';
import type { Identity } from '../broker/identity.js';

export interface BusEvents {
  'device.availability': { address: DeviceAddress; availability: Availability; receivedAt: number };
  'device.disconnected': { identity: Identity; hadWill: boolean; at: number };
  'group.state': { address: DeviceAddress; state: GroupState; receivedAt: number };
  'group.telemetry': { address: DeviceAddress; telemetry: GroupTelemetry; receivedAt: number };
  'group.ack': { address: DeviceAddress; ack: GroupAck; receivedAt: number };
  'kiosk.event': { address: DeviceAddress; event: KioskEvent; receivedAt: number };
  'device.request': { address: DeviceAddress; request: DeviceRequest; receivedAt: number };
  'message.rejected': { identity: Identity | null; topic: string; code: string; reason: string; at: number };
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
