/** Request schemas, declared once and shared by routes (JSON Schema from TypeBox). */
import Type from 'typebox';
import { ID_PATTERN, SceneRef } from '@caideng/protocol';

const Id = Type.String({ pattern: ID_PATTERN });

export const CompoundParams = Type.Object({ compound: Id }, { additionalProperties: false });
export type CompoundParams = Type.Static<typeof CompoundParams>;

export const StateQuery = Type.Object({ compound: Type.Optional(Id) }, { additionalProperties: false });
export type StateQuery = Type.Static<typeof StateQuery>;

export const GroupParams = Type.Object({ compound: Id, group: Id }, { additionalProperties: false });
export type GroupParams = Type.Static<typeof GroupParams>;

export const CommandParams = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }) }, { additionalProperties: false });
export type CommandParams = Type.Static<typeof CommandParams>;

const CommandFields = {
  power: Type.Optional(Type.Union([Type.Literal('on'), Type.Literal('off')])),
  brightness: Type.Optional(Type.Integer({ minimum: 0, maximum: 255 })),
  scene: Type.Optional(SceneRef),
  startAt: Type.Optional(Type.Integer({ minimum: 0, description: 'synchronized start, epoch ms' })),
  expiresAt: Type.Optional(Type.Integer({ minimum: 0, description: 'groups ignore the command after this, epoch ms' })),
  transitionMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 600000 })),
};

export const GroupCommandBody = Type.Object(CommandFields, { additionalProperties: false });
export type GroupCommandBody = Type.Static<typeof GroupCommandBody>;

export const CompoundCommandBody = Type.Object(
  { ...CommandFields, groups: Type.Optional(Type.Array(Id, { minItems: 1, maxItems: 512, uniqueItems: true })) },
  { additionalProperties: false },
);
export type CompoundCommandBody = Type.Static<typeof CompoundCommandBody>;

export const WaitQuery = Type.Object(
  { wait: Type.Optional(Type.String({ pattern: '^[0-9]{1,5}$', description: 'wait up to this many ms for the acks' })) },
  { additionalProperties: false },
);
export type WaitQuery = Type.Static<typeof WaitQuery>;
