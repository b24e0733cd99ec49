/**
 * The gateway's configuration (one file per gateway, 网关): how it reaches the controller, which boards it
 * drives, which pins carry each lantern group's fixtures and each kiosk's buttons. One schema with defaults,
 * units and descriptions; unknown keys fail start-up with a message that names them.
 */
import Type from 'typebox';
import { ID_PATTERN, KIOSK_BUTTONS } from '@caideng/protocol';

const closed = { additionalProperties: false } as const;
const Id = Type.String({ pattern: ID_PATTERN });
const Pin = Type.Integer({ minimum: 0, maximum: 127, description: 'Firmata pin number (Uno: D0–D13 = 0–13, A0–A5 = 14–19)' });

export const BoardConfig = Type.Object(
  {
    id: Id,
    port: Type.String({
      minLength: 1,
      description: "'emulated' (an ATmega328P running StandardFirmata in process), a serial device such as /dev/ttyUSB0, or tcp://host:port (a serial server)",
    }),
    baudRate: Type.Integer({ minimum: 300, maximum: 2_000_000, default: 57_600, description: "StandardFirmata's rate, bits/s" }),
    readyTimeoutMs: Type.Integer({ minimum: 100, default: 10_000, description: 'how long a board may take to answer as Firmata after opening, ms' }),
    reconnectMs: Type.Integer({ minimum: 50, default: 2000, description: 'wait before reopening a board that went away or never answered, ms' }),
  },
  closed,
);
export type BoardConfig = Type.Static<typeof BoardConfig>;

export const FIXTURE_PINS = { dimmer: 1, relay: 1, rgb: 3, rgbw: 4 } as const;
export const FixtureConfig = Type.Object(
  {
    kind: Type.Enum(['dimmer', 'relay', 'rgb', 'rgbw'], {
      description: 'dimmer = one PWM pin to a dimmer channel; relay = one digital pin to a relay; rgb/rgbw = 3/4 PWM pins',
    }),
    pins: Type.Array(Pin, { minItems: 1, maxItems: 4, description: 'one pin per channel: r, g, b(, w) for colour fixtures' }),
    board: Type.Optional(Id),
    ratedWatts: Type.Number({ exclusiveMinimum: 0, maximum: 100_000, default: 100, description: 'power at full output, watts' }),
  },
  closed,
);
export type FixtureConfig = Type.Static<typeof FixtureConfig>;

export const GroupConfig = Type.Object(
  {
    id: Id,
    fixtures: Type.Array(FixtureConfig, { minItems: 1, maxItems: 64 }),
  },
  closed,
);
export type GroupConfig = Type.Static<typeof GroupConfig>;

export const KioskConfig = Type.Object(
  {
    id: Id,
    board: Type.Optional(Id),
    buttons: Type.Array(
      Type.Object(
        {
          pin: Pin,
          button: Type.Enum(KIOSK_BUTTONS, { description: 'what a press means' }),
          pullup: Type.Boolean({ default: true, description: 'wired to ground with the internal pull-up (pressed = low)' }),
        },
        closed,
      ),
      { minItems: 1, maxItems: 16 },
    ),
    led: Type.Optional(
      Type.Object(
        {
          pin: Pin,
          onMs: Type.Integer({ minimum: 100, maximum: 60_000, default: 3000, description: 'how long it stays lit after the controller stored a press, ms' }),
        },
        closed,
      ),
    ),
  },
  closed,
);
export type KioskConfig = Type.Static<typeof KioskConfig>;

export const BridgeConfigSchema = Type.Object(
  {
    compound: Id,
    bridge: Type.String({ pattern: ID_PATTERN, description: "this gateway's device id (MQTT username {compound}/bridge/{bridge})" }),
    mqtt: Type.Object(
      {
        url: Type.String({ minLength: 1, description: 'the controller broker, e.g. mqtt://controller:1883' }),
        password: Type.String({ minLength: 1, description: "the bridge's device secret (npm run credentials)" }),
        keepaliveS: Type.Integer({ minimum: 5, maximum: 600, default: 30 }),
        reconnectPeriodMs: Type.Integer({ minimum: 100, default: 2000 }),
      },
      closed,
    ),
    dataDir: Type.String({ default: 'var/bridge', description: 'where the press queue (SQLite) lives; keep it on persistent storage' }),
    fps: Type.Integer({ minimum: 1, maximum: 100, default: 40, description: 'frames rendered per second' }),
    telemetryIntervalMs: Type.Integer({ minimum: 0, default: 5000, description: 'per group; 0 = none' }),
    timeSyncIntervalMs: Type.Integer({ minimum: 1000, default: 300_000, description: 'how often the clock offset to the controller is measured' }),
    resendAfterMs: Type.Integer({ minimum: 500, default: 10_000, description: 're-send a press without a receipt after this long, ms' }),
    boards: Type.Array(BoardConfig, { minItems: 1, maxItems: 8 }),
    groups: Type.Array(GroupConfig, { default: [], maxItems: 256 }),
    kiosks: Type.Array(KioskConfig, { default: [], maxItems: 16 }),
  },
  closed,
);
export type BridgeConfig = Type.Static<typeof BridgeConfigSchema>;
/** A config as written in a file: everything with a default may be left out. */
export type BridgeConfigInput = Record<string, unknown>;
