/**
 * A city-sized registry, generated: streets (街道) → communities (社区) → compounds (小区), each compound with
 * its lantern groups and kiosks. Used by `npm start -- --city` and by the benchmark. Deterministic: the same
 * options give the same file, so a restart keeps every device's credentials.
 */
import type { RegistryFile, GroupEntry } from './schema.js';

export interface CityOptions {
  /** Compounds in all. Default 2,000. */
  compounds?: number;
  /** Lantern groups per compound. Default 20. */
  groupsPerCompound?: number;
  /** Kiosks per compound. Default 2. */
  kiosksPerCompound?: number;
  /** Compounds per community. Default 10. */
  compoundsPerCommunity?: number;
  /** Communities per street. Default 8. */
  communitiesPerStreet?: number;
}

/** The built-in catalog's lanterns, in turn, as the report's compounds hang them. */
const LANTERNS: Array<Pick<GroupEntry, 'lantern' | 'fixture' | 'channels' | 'ratedWatts'> & { name: string; nameEn: string }> = [
  { lantern: 'ox', name: '牛年牛灯', nameEn: 'ox lantern', fixture: 'dimmer', channels: 1, ratedWatts: 180 },
  { lantern: 'carp', name: '鲤鱼灯', nameEn: 'carp lantern', fixture: 'rgb', channels: 3, ratedWatts: 90 },
  { lantern: 'lotus', name: '荷花灯', nameEn: 'lotus lantern', fixture: 'rgb', channels: 3, ratedWatts: 60 },
  { lantern: 'wheat-ear', name: '麦穗灯', nameEn: 'wheat-ear lantern', fixture: 'dimmer', channels: 1, ratedWatts: 40 },
  { lantern: 'sky-full-of-stars', name: '满天星', nameEn: 'sky full of stars', fixture: 'pixels', channels: 100, ratedWatts: 30 },
  { lantern: 'meteor-shower', name: '流星雨', nameEn: 'meteor shower', fixture: 'pixels', channels: 60, ratedWatts: 25 },
];

const pad = (n: number, width: number) => String(n).padStart(width, '0');

export function cityRegistry(options: CityOptions = {}): RegistryFile {
  const compounds = options.compounds ?? 2000;
  const groups = options.groupsPerCompound ?? 20;
  const kiosks = options.kiosksPerCompound ?? 2;
  const perCommunity = options.compoundsPerCommunity ?? 10;
  const perStreet = options.communitiesPerStreet ?? 8;
  const digits = Math.max(4, String(compounds).length);
  const streets: RegistryFile['streets'] = [];
  for (let c = 0; c < compounds; c++) {
    const m = Math.floor(c / perCommunity);
    const s = Math.floor(m / perStreet);
    if (!streets[s]) streets[s] = { id: `s${pad(s + 1, 3)}`, name: `第${s + 1}街道`, nameEn: `Street ${s + 1}`, communities: [] };
    const street = streets[s]!;
    const mi = m % perStreet;
    if (!street.communities[mi]) street.communities[mi] = { id: `s${pad(s + 1, 3)}-m${pad(mi + 1, 2)}`, name: `第${s + 1}街道第${mi + 1}社区`, nameEn: `Community ${s + 1}-${mi + 1}`, compounds: [] };
    const id = `c${pad(c + 1, digits)}`;
    street.communities[mi]!.compounds.push({
      id,
      name: `小区 ${pad(c + 1, digits)}`,
      nameEn: `Compound ${c + 1}`,
      groups: Array.from({ length: groups }, (_, g) => {
        const { name, nameEn, ...lantern } = LANTERNS[g % LANTERNS.length]!;
        return { id: `g${pad(g + 1, 2)}`, name: `${g + 1}号${name}`, nameEn: `${nameEn} ${g + 1}`, ...lantern };
      }),
      kiosks: Array.from({ length: kiosks }, (_, k) => ({ id: `k${k + 1}`, name: `${k + 1}号反馈亭`, nameEn: `Kiosk ${k + 1}` })),
    });
  }
  return { city: { id: 'zigong', name: '自贡市', nameEn: 'Zigong' }, county: { id: 'zigong-city', name: '自贡市全市', nameEn: 'Zigong, whole city' }, streets };
}
