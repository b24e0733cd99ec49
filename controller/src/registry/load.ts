import { readFileSync } from 'node:fs';
import { Compile } from 'typebox/compile';
import { CaidengError, type CompoundInfo, type CountyInfo } from '@caideng/protocol';
import { RegistryFile } from './schema.js';

const validator = Compile(RegistryFile);

/** Validates a registry document and flattens it into the shape the API serves. */
export function parseRegistry(doc: unknown, source = 'registry'): CountyInfo {
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
        compounds.push({
          id: c.id,
          name: c.name,
          ...(c.nameEn ? { nameEn: c.nameEn } : {}),
          street: street.id,
          community: community.id,
          groups: c.groups.map((g) => ({ ...g })),
          kiosks: c.kiosks.map((k) => ({ ...k })),
          bridges: (c.bridges ?? []).map((b) => ({ ...b })),
        });
        return c.id;
      }),
    })),
  }));
  return { city: { ...doc.city }, county: { ...doc.county }, streets, compounds };
}

export function loadRegistryFile(file: string): CountyInfo {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CaidengError('CAIDENG_ERR_REGISTRY', [`cannot read ${file}: ${(err as Error).message}`]);
  }
  return parseRegistry(doc, file);
}
