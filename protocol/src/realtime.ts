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

/** A scene's display name; either language may be missing. */
export interface SceneTitle {
  zh?: string;
  en?: string;
}

/** A parameter a command may pass to a scene: type, range, unit and default (the scenes library's ParamSpec). */
export type SceneParamSpec =
  | { type: 'number' | 'integer'; min: number; max: number; default?: number; unit: string; description: string }
  | { type: 'boolean'; default: boolean; description: string }
  | { type: 'color'; default: string; description: string }
  | { type: 'enum'; values: readonly string[]; default?: string; description: string }
  | { type: 'date'; description: string };

/** One entry of GET /api/scenes: a built-in lantern scene or one of the county's own. */
export interface SceneSummary {
  name: string;
  title: SceneTitle;
  builtin: boolean;
  params: Record<string, SceneParamSpec>;
  /** Stored scenes only. */
  revision?: number;
  updatedAt?: number;
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
