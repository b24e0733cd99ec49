/**
 * Payload types as the simulators send them: the protocol's own types under the names the simulator
 * modules use.
 */
import type { ACK_STATUSES, ChannelPayloads, DeviceRequest, FaultCode, GroupAck, GroupTelemetry, KioskButton, KioskEvent, RequestMethod } from '@caideng/protocol';

export type AckStatus = (typeof ACK_STATUSES)[number];
export type { FaultCode, KioskButton, RequestMethod };

export type WireGroupAck = GroupAck;
export type WireGroupTelemetry = GroupTelemetry;
export type WireKioskEvent = KioskEvent;
export type WireDeviceRequest = DeviceRequest;
export type WirePayloads = ChannelPayloads;
