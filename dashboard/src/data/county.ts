/**
 * The county registry (五级联动: city → county → street → community → compound → lantern groups and
 * kiosks) from GET /api/county. It changes only when the controller's registry file does, so it is
 * fetched once per page and shared; the live status lives in `live.ts`.
 */
import type { CompoundInfo, CountyInfo, KioskInfo, LanternGroupInfo, NamedNode } from '@caideng/protocol';
import { refCounted, writable } from '../lib/store';
import { getJson, withRetry } from './api';

export type { CompoundInfo, CountyInfo, KioskInfo, LanternGroupInfo, NamedNode };

export interface County {
  info: CountyInfo;
  compounds: CompoundInfo[];
  compound(id: string): CompoundInfo | undefined;
  /** A street or community by id, for the compound's area line. */
  area(id: string): NamedNode | undefined;
  group(compound: string, id: string): LanternGroupInfo | undefined;
  kiosk(compound: string, id: string): KioskInfo | undefined;
}

export type CountyState = { status: 'loading'; error?: string } | { status: 'ready'; county: County };

export const county = writable<CountyState>({ status: 'loading' });

export const fetchCounty = (signal?: AbortSignal) => getJson<CountyInfo>('/api/county', signal);

export function indexCounty(info: CountyInfo): County {
  const compounds = new Map(info.compounds.map((c) => [c.id, c]));
  const areas = new Map<string, NamedNode>();
  for (const s of info.streets) {
    areas.set(s.id, s);
    for (const c of s.communities) areas.set(c.id, c);
  }
  const groups = new Map<string, LanternGroupInfo>();
  const kiosks = new Map<string, KioskInfo>();
  for (const c of info.compounds) {
    for (const g of c.groups) groups.set(`${c.id}/${g.id}`, g);
    for (const k of c.kiosks) kiosks.set(`${c.id}/${k.id}`, k);
  }
  return {
    info,
    compounds: info.compounds,
    compound: (id) => compounds.get(id),
    area: (id) => areas.get(id),
    group: (compound, id) => groups.get(`${compound}/${id}`),
    kiosk: (compound, id) => kiosks.get(`${compound}/${id}`),
  };
}

/** Loads the registry once (retrying while the controller is unreachable) into `county`. */
export const subscribeCounty = refCounted(() => {
  if (county.get().status === 'ready') return () => undefined;
  const abort = new AbortController();
  withRetry(fetchCounty, abort.signal, (err) => county.set({ status: 'loading', error: String((err as Error).message ?? err) }))
    .then((info) => county.set({ status: 'ready', county: indexCounty(info) }))
    .catch(() => undefined /* aborted */);
  return () => abort.abort();
});
