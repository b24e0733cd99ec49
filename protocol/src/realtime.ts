/**
 * The live-push contract between the controller and the dashboard (socket.io), and the registry
 * shapes the HTTP API returns. Shared so the browser and the server agree at compile time.
 */
import type { FaultCode, GroupState, KioskButton } from './payloads.js';

export type FixtureKind = 'dimmer' | 'relay' | 'rgb' | 'rgbw' | 'pixels';

export interface NamedNode {
  id: string;
  name: string;
  nameEn?: string;
}

export interface LanternGroupInfo extends NamedNode {
  fixture: FixtureKind;
  /** Rated power at full output, watts. */
  ratedWatts: number;
  /** Pixel count for `pixels` fixtures, channel count otherwise. */
  channels: number;
  lantern?: string;
}

export interface KioskInfo extends NamedNode {}

export interface BridgeInfo extends NamedNode {}

export interface CompoundInfo extends NamedNode {
  street: string;
  community: string;
  groups: LanternGroupInfo[];
  kiosks: KioskInfo[];
  bridges: BridgeInfo[];
}

export interface CountyInfo {
  city: NamedNode;
  county: NamedNode;
  streets: Array<NamedNode & { communities: Array<NamedNode & { compounds: string[] }> }>;
  compounds: CompoundInfo[];
}

export type DeviceKind = 'group' | 'kiosk' | 'bridge';

/** Live status of one device as the controller knows it. */
export interface DeviceStatus {
  compound: string;
  kind: DeviceKind;
  id: string;
  online: boolean;
  /** When availability last changed, epoch ms (controller clock). */
  since: number;
  state?: GroupState;
  watts?: number;
  faults?: FaultCode[];
  /** Device timestamp of the latest telemetry, epoch ms. */
  telemetryTs?: number;
  /** Controller receive time of the latest message, epoch ms. */
  seenAt?: number;
}

export interface CompoundSummary {
  id: string;
  groups: number;
  groupsOnline: number;
  kiosks: number;
  kiosksOnline: number;
  faults: number;
  watts: number;
}

/** Events the server emits. Device changes are batched (at most one batch per `batchMs`) and coalesced per device. */
export interface ServerToClientEvents {
  snapshot: (payload: { ts: number; devices: DeviceStatus[]; summaries: CompoundSummary[] }) => void;
  devices: (payload: { ts: number; changes: DeviceStatus[] }) => void;
  summaries: (payload: { ts: number; summaries: CompoundSummary[] }) => void;
  press: (payload: { ts: number; compound: string; kiosk: string; button: KioskButton; seq: number }) => void;
}

export interface ClientToServerEvents {
  /** Join the rooms of these compounds ('*' for all the viewer may see); answers with a snapshot. */
  subscribe: (compounds: string[] | '*', ack?: (result: { ok: boolean; compounds: string[]; error?: string }) => void) => void;
}
