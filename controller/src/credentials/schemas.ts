/** Shapes of the credential admin routes, declared once: the routes validate and serialize with them, the CLI checks answers with them. */
import Type from 'typebox';
import { EpochMs, Id, ROLES } from '@caideng/protocol';

/** A device by its MQTT username's three levels: `/api/devices/{compound}/{role}/{device}`. */
export const DeviceParams = Type.Object({ compound: Id, role: Type.Enum(ROLES), device: Id }, { additionalProperties: false });
export type DeviceParams = Type.Static<typeof DeviceParams>;

const Username = Type.String({ description: 'MQTT username {compound}/{role}/{device}' });

export const RotatedAnswer = Type.Object(
  { username: Username, password: Type.String({ description: 'the new secret; also in the provisioning file' }), rotatedAt: EpochMs },
  { additionalProperties: false },
);
export type RotatedAnswer = Type.Static<typeof RotatedAnswer>;

export const RevokedAnswer = Type.Object({ username: Username, revokedAt: EpochMs }, { additionalProperties: false });
export type RevokedAnswer = Type.Static<typeof RevokedAnswer>;
