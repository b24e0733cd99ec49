import { readFileSync } from 'node:fs';
import { Compile } from 'typebox/compile';
import { CaidengError, type CompoundInfo, type CountyInfo } from '@caideng/protocol';
import { RegistryFile } from './schema.js';

const validator = Compile(RegistryFile);

/** A registry as loaded: the county as the API serves it, and which bridge speaks for which devices. */
export interface LoadedRegistry {
  county: CountyInfo;
  /** `compound/bridge/id` → the device keys (`compound/group/id`, `compound/kiosk/id`) it serves. */
  bridgeServes: Map<string, string[]>;
}

/** Validates a registry document and flattens it into the shape the API serves. */
export function parseRegistry(doc: unknown, source = 'registry'): CountyInfo {
  return parseRegistryFile(doc, source).county;
}

export function parseRegistryFile(doc: unknown, source = 'registry'): LoadedRegistry {
  if (!validator.Check(doc)) {
    const problems = validator
      .Errors(doc)
      .filter((e) => e.keyword !== 'boolean')
      .slice(0, 10)
      .map((e) =>
        e.keyword === 'additionalProperties'
          ? `${e.instancePath || '/'}: unknown key(s) ${((e.params as { additionalProperties?: string[] }).additionalProperties ?? []).join(', ')}`
          : `${e.instancePath || '/'}: ${e.message}`,
      );
    throw new CaidengError('CAIDENG_ERR_REGISTRY', [`${source}: ${problems.join('; ')}`]);
  }
  const compounds: CompoundInfo[] = [];
  const bridgeServes = new Map<string, string[]>();
  const seen = new Set<string>();
  const dup = (kind: string, id: string, scope: string) => {
    throw new CaidengError('CAIDENG_ERR_REGISTRY', [`${source}: duplicate ${kind} id '${id}'${scope}`]);
  };
  const areaIds = new Set<string>([doc.city.id, doc.county.id]);
  for (const street of doc.streets) {
    for (const id of [street.id, ...street.communities.map((c) => c.id)]) {
      if (areaIds.has(id)) dup('area (city, county, street or community)', id, '');
      areaIds.add(id);
    }
  }
  const streets: CountyInfo['streets'] = doc.streets.map((street) => ({
    id: street.id,
    name: street.name,
    ...(street.nameEn ? { nameEn: street.nameEn } : {}),
    communities: street.communities.map((community) => ({
      id: community.id,
      name: community.name,
      ...(community.nameEn ? { nameEn: community.nameEn } : {}),
      compounds: community.compounds.map((c) => {
        if (seen.has(c.id)) dup('compound', c.id, '');
        seen.add(c.id);
        const groupIds = new Set<string>();
        for (const g of c.groups) {
          if (groupIds.has(g.id)) dup('lantern group', g.id, ` in compound '${c.id}'`);
          groupIds.add(g.id);
        }
        const kioskIds = new Set<string>();
        for (const k of c.kiosks) {
          if (kioskIds.has(k.id)) dup('kiosk', k.id, ` in compound '${c.id}'`);
          kioskIds.add(k.id);
        }
        const servedBy = new Map<string, string>();
        for (const b of c.bridges ?? []) {
          const keys: string[] = [];
          for (const [kind, ids, known] of [['group', b.groups ?? [], groupIds], ['kiosk', b.kiosks ?? [], kioskIds]] as const) {
            for (const id of ids) {
              if (!known.has(id)) throw new CaidengError('CAIDENG_ERR_REGISTRY', [`${source}: bridge '${b.id}' serves ${kind} '${id}', which compound '${c.id}' does not have`]);
              const other = servedBy.get(`${kind}/${id}`);
              if (other) throw new CaidengError('CAIDENG_ERR_REGISTRY', [`${source}: ${kind} '${id}' of compound '${c.id}' is served by both bridge '${other}' and '${b.id}'`]);
              servedBy.set(`${kind}/${id}`, b.id);
              keys.push(`${c.id}/${kind}/${id}`);
            }
          }
          bridgeServes.set(`${c.id}/bridge/${b.id}`, keys);
        }
        compounds.push({
          id: c.id,
          name: c.name,
          ...(c.nameEn ? { nameEn: c.nameEn } : {}),
          street: street.id,
          community: community.id,
          groups: c.groups.map((g) => ({ ...g })),
          kiosks: c.kiosks.map((k) => ({ ...k })),
          bridges: (c.bridges ?? []).map((b) => ({ id: b.id, name: b.name, ...(b.nameEn ? { nameEn: b.nameEn } : {}) })),
        });
        return c.id;
      }),
    })),
  }));
  return { county: { city: { ...doc.city }, county: { ...doc.county }, streets, compounds }, bridgeServes };
}

export function loadRegistryFile(file: string): LoadedRegistry {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CaidengError('CAIDENG_ERR_REGISTRY', [`cannot read ${file}: ${(err as Error).message}`]);
  }
  return parseRegistryFile(doc, file);
}
