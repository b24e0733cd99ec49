/**
 * Picks a user's scopes from the county tree (市 → 县 → 街道 → 社区 → 小区): each node a labelled
 * checkbox; a node covers everything below it, so its children are shown as covered when it is chosen.
 */
import type { County } from '../data/county';
import type { NamedNode } from '@caideng/protocol';
import type { ComponentChildren } from 'preact';
import { useI18n } from '../i18n';

type Level = 'city' | 'county' | 'street' | 'community' | 'compound';

/** One node: a top-level component, so a re-render keeps the same checkbox (and the keyboard focus on it). */
function ScopeNode(props: { node: NamedNode; level: Level; covered: boolean; chosen: ReadonlySet<string>; onToggle(id: string, on: boolean): void; children?: ComponentChildren }) {
  const { node, level, covered } = props;
  const checked = props.chosen.has(node.id);
  const i = useI18n();
  return (
    <li class="scope__node">
      <label class={covered && !checked ? 'scope__covered' : undefined}>
        <input type="checkbox" checked={checked} data-scope={node.id} onChange={(e) => props.onToggle(node.id, (e.target as HTMLInputElement).checked)} />
        <span>{i.name(node)}</span>
        <span class="muted small"> {i.t(`level.${level}`)}</span>
        {covered && !checked && <span class="muted small"> · {i.t('scope.covered')}</span>}
      </label>
      {props.children}
    </li>
  );
}

export function ScopePicker(props: { county: County; value: readonly string[]; onChange(next: string[]): void; id: string; problem?: string | undefined }) {
  const { county, value, onChange, id } = props;
  const i = useI18n();
  const chosen = new Set(value);
  const toggle = (node: string, on: boolean) => onChange(on ? [...value.filter((v) => v !== node), node] : value.filter((v) => v !== node));

  const info = county.info;
  const cityOn = chosen.has(info.city.id);
  const countyOn = cityOn || chosen.has(info.county.id);
  return (
    <fieldset class={`scope${props.problem ? ' field--invalid' : ''}`} id={id} aria-describedby={props.problem ? `${id}-problem` : undefined}>
      <legend>{i.t('users.scopes')}</legend>
      <ul class="scope__tree">
        <ScopeNode chosen={chosen} onToggle={toggle} node={info.city} level="city" covered={false}>
          <ul>
            <ScopeNode chosen={chosen} onToggle={toggle} node={info.county} level="county" covered={cityOn}>
              <ul>
                {info.streets.map((street) => {
                  const streetOn = countyOn || chosen.has(street.id);
                  return (
                    <ScopeNode chosen={chosen} onToggle={toggle} key={street.id} node={street} level="street" covered={countyOn}>
                      <ul>
                        {street.communities.map((community) => {
                          const communityOn = streetOn || chosen.has(community.id);
                          return (
                            <ScopeNode chosen={chosen} onToggle={toggle} key={community.id} node={community} level="community" covered={streetOn}>
                              <ul>
                                {community.compounds.map((c) => (
                                  <ScopeNode chosen={chosen} onToggle={toggle} key={c} node={county.compound(c) ?? { id: c, name: c }} level="compound" covered={communityOn} />
                                ))}
                              </ul>
                            </ScopeNode>
                          );
                        })}
                      </ul>
                    </ScopeNode>
                  );
                })}
              </ul>
            </ScopeNode>
          </ul>
        </ScopeNode>
      </ul>
      {props.problem && (
        <span class="field__problem" id={`${id}-problem`}>
          <span aria-hidden="true">⚠ </span>
          {props.problem}
        </span>
      )}
    </fieldset>
  );
}

/** Scope ids as names ("南湖社区、星河家园"), for tables. */
export function scopeNames(county: County, ids: readonly string[], name: (n: NamedNode | undefined, fallback: string) => string, list: (items: string[]) => string): string {
  const nodes = new Map<string, NamedNode>([
    [county.info.city.id, county.info.city],
    [county.info.county.id, county.info.county],
  ]);
  for (const s of county.info.streets) {
    nodes.set(s.id, s);
    for (const c of s.communities) nodes.set(c.id, c);
  }
  return list(ids.map((id) => name(nodes.get(id) ?? county.compound(id), id)));
}
