import type { DeviceKind } from '@caideng/protocol';
import type { Registry } from './registry.js';

const KINDS: ReadonlyArray<readonly [DeviceKind, 'groups' | 'kiosks' | 'bridges']> = [
  ['group', 'groups'],
  ['kiosk', 'kiosks'],
  ['bridge', 'bridges'],
];

/** A compound's device keys (`compound/kind/id`, as DeviceState keys them) in registry order: groups, kiosks, bridges. */
export function compoundKeys(registry: Registry, compound: string): string[] {
  const c = registry.compound(compound);
  if (!c) return [];
  const keys: string[] = [];
  for (const [kind, list] of KINDS) for (const d of c[list]) keys.push(`${c.id}/${kind}/${d.id}`);
  return keys;
}
