import type { Broker } from '../broker/broker.js';
import type { Commands } from '../features/commands.js';
import type { CredentialStore } from '../features/credentials.js';
import type { DeviceState } from '../features/deviceState.js';
import type { KioskPresses } from '../features/kiosk.js';
import type { Registry } from '../features/registry.js';
import type { Rejections } from '../features/rejections.js';
import type { TelemetryStore } from '../features/telemetry.js';
import type { Realtime } from '../realtime/realtime.js';
import type { SceneLibrary } from '../features/sceneLibrary.js';

/** The infrastructure routes may use; shared through `app.caideng`. */
export interface Services {
  startedAt: number;
  version: string;
  registry: Registry;
  state: DeviceState;
  commands: Commands;
  credentials: CredentialStore;
  broker: Broker;
  rejections: Rejections;
  telemetry: TelemetryStore;
  presses: KioskPresses;
  realtime: Realtime;
  scenes: SceneLibrary;
}

declare module 'fastify' {
  interface FastifyInstance {
    caideng: Services;
  }
}
