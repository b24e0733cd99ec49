/**
 * The registry file: the five-level linkage (五级联动) city → county → street → community → compound,
 * with the lantern groups (灯组) and kiosks (反馈亭) of each compound. The operator edits it; the
 * controller validates it at start-up and syncs it into the store.
 */
import Type from 'typebox';
import { ID_PATTERN, KIOSK_BUTTONS } from '@caideng/protocol';

const closed = { additionalProperties: false } as const;
const Id = Type.String({ pattern: ID_PATTERN });
const Name = Type.String({ minLength: 1, maxLength: 64 });

const Named = { id: Id, name: Name, nameEn: Type.Optional(Name) };

export const GroupEntry = Type.Object(
  {
    ...Named,
    lantern: Type.Optional(Type.String({ pattern: ID_PATTERN, description: 'lantern type, e.g. ox, carp, lotus' })),
    fixture: Type.Enum(['dimmer', 'relay', 'rgb', 'rgbw', 'pixels']),
    channels: Type.Integer({ minimum: 1, maximum: 4096, description: 'channels, or pixels for a pixel string' }),
    ratedWatts: Type.Number({ exclusiveMinimum: 0, maximum: 100000 }),
  },
  closed,
);

/** A kiosk; `buttons` is its button map (the six standard buttons when absent): a press of another is refused. */
export const KioskEntry = Type.Object(
  { ...Named, buttons: Type.Optional(Type.Array(Type.Enum(KIOSK_BUTTONS), { minItems: 1, uniqueItems: true, description: 'the buttons this kiosk has' })) },
  closed,
);
/** A compound gateway (网关); `groups` and `kiosks` name the devices wired to it, which it speaks for. */
export const BridgeEntry = Type.Object(
  {
    ...Named,
    groups: Type.Optional(Type.Array(Id, { maxItems: 512, uniqueItems: true, description: 'lantern groups this bridge drives' })),
    kiosks: Type.Optional(Type.Array(Id, { maxItems: 64, uniqueItems: true, description: 'kiosks whose buttons this bridge reads' })),
  },
  closed,
);

export const CompoundEntry = Type.Object(
  {
    ...Named,
    groups: Type.Array(GroupEntry, { maxItems: 512 }),
    kiosks: Type.Array(KioskEntry, { maxItems: 64 }),
    bridges: Type.Optional(Type.Array(BridgeEntry, { maxItems: 16 })),
  },
  closed,
);

export const CommunityEntry = Type.Object({ ...Named, compounds: Type.Array(CompoundEntry) }, closed);
export const StreetEntry = Type.Object({ ...Named, communities: Type.Array(CommunityEntry) }, closed);

export const RegistryFile = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    city: Type.Object({ ...Named }, closed),
    county: Type.Object({ ...Named }, closed),
    streets: Type.Array(StreetEntry, { minItems: 1 }),
  },
  closed,
);

export type RegistryFile = Type.Static<typeof RegistryFile>;
export type GroupEntry = Type.Static<typeof GroupEntry>;
export type CompoundEntry = Type.Static<typeof CompoundEntry>;
