/**
 * Payload types as the simulators send them.
 *
 * Workaround: in @caideng/protocol 0.1.0 the unions built with `Type.Union(LIST.map(...))` (ack status, kiosk
 * button, request method, telemetry faults) have a TypeBox `Static` of `never`, because `.map()` yields an
 * array type rather than a tuple. The schemas themselves validate correctly; only the TypeScript types are
 * wrong. These types restore them from the same constant lists; once protocol types its unions as tuples,
 * each of these collapses to the protocol's own type and this file can go.
 */
import type {
  ACK_STATUSES,
  ChannelPayloads,
  FAULT_CODES,
  GroupAck,
  GroupTelemetry,
  KIOSK_BUTTONS,
  KioskEvent,
  DeviceRequest,
  REQUEST_METHODS,
} from '@caideng/protocol';

export type AckStatus = (typeof ACK_STATUSES)[number];
export type FaultCode = (typeof FAULT_CODES)[number];
export type KioskButton = (typeof KIOSK_BUTTONS)[number];
export type RequestMethod = (typeof REQUEST_METHODS)[number];

export type WireGroupAck = Omit<GroupAck, 'status'> & { status: AckStatus };
export type WireGroupTelemetry = Omit<GroupTelemetry, 'faults'> & { faults: FaultCode[] };
export type WireKioskEvent = Omit<KioskEvent, 'button'> & { button: KioskButton };
export type WireDeviceRequest = Omit<DeviceRequest, 'method'> & { method: RequestMethod };

export interface WirePayloads extends Omit<ChannelPayloads, 'ack' | 'telemetry' | 'event' | 'req'> {
  ack: WireGroupAck;
  telemetry: WireGroupTelemetry;
  event: WireKioskEvent;
  req: WireDeviceRequest;
}
