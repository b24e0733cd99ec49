/**
 * The organisation as the registry's tree: which compounds each node (city, county, street, community,
 * compound) covers. Built once per registry load; a principal's scopes resolve to a set of compounds.
 */
import type { CountyInfo, ScopeNode } from '@caideng/protocol';
import type { Db } from '../store/db.js';

/** What the tree needs of the registry. */
export type TreeSource = Pick<CountyInfo, 'city' | 'county' | 'streets'> & { compounds: { id: string; name: string; nameEn?: string }[] };

export class ScopeTree {
  private readonly nodes = new Map<string, ScopeNode>();
  private readonly covers = new Map<string, ReadonlySet<string>>();
  readonly allCompounds: ReadonlySet<string>;

  constructor(county: TreeSource) {
    const all = new Set(county.compounds.map((c) => c.id));
    this.allCompounds = all;
    const add = (node: ScopeNode, compounds: ReadonlySet<string>) => {
      this.nodes.set(node.id, node);
      this.covers.set(node.id, compounds);
    };
    const named = (n: { id: string; name: string; nameEn?: string }, level: ScopeNode['level']): ScopeNode => ({
      id: n.id,
      level,
      name: n.name,
      ...(n.nameEn ? { nameEn: n.nameEn } : {}),
    });
    // One registry is one county of one city: both cover every compound.
    add(named(county.city, 'city'), all);
    add(named(county.county, 'county'), all);
    for (const s of county.streets) {
      const street = new Set<string>();
      for (const c of s.communities) {
        add(named(c, 'community'), new Set(c.compounds));
        for (const id of c.compounds) street.add(id);
      }
      add(named(s, 'street'), street);
    }
    for (const c of county.compounds) add(named(c, 'compound'), new Set([c.id]));
  }

  /** The tree as the store recorded it at the last start (for the command line, with no registry file at hand). */
  static async fromStore(db: Db): Promise<ScopeTree> {
    const areas = await db.selectFrom('areas').selectAll().execute();
    const compounds = await db.selectFrom('compounds').selectAll().where('retired', '=', 0).execute();
    const named = (a: { id: string; name: string; name_en: string | null }) => ({ id: a.id, name: a.name, ...(a.name_en ? { nameEn: a.name_en } : {}) });
    const city = areas.find((a) => a.level === 'city');
    const county = areas.find((a) => a.level === 'county');
    if (!city || !county) throw new Error('the store has no registry yet: start the controller once');
    const streets = areas
      .filter((a) => a.level === 'street')
      .map((s) => ({
        ...named(s),
        communities: areas
          .filter((c) => c.level === 'community' && c.parent_id === s.id)
          .map((c) => ({ ...named(c), compounds: compounds.filter((x) => x.community_id === c.id).map((x) => x.id) })),
      }));
    return new ScopeTree({ city: named(city), county: named(county), streets, compounds: compounds.map(named) });
  }

  node(id: string): ScopeNode | undefined {
    return this.nodes.get(id);
  }

  /** The compounds the scopes cover together; unknown ids cover nothing. */
  compoundsOf(scopes: readonly string[]): ReadonlySet<string> {
    if (scopes.length === 1) return this.covers.get(scopes[0]!) ?? new Set();
    const out = new Set<string>();
    for (const id of scopes) for (const c of this.covers.get(id) ?? []) out.add(c);
    return out;
  }

  /** Whether the scopes cover the whole county (the answer needs no filter then). */
  coversAll(compounds: ReadonlySet<string>): boolean {
    return compounds.size === this.allCompounds.size;
  }
}
