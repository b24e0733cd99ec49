/** What was lit in a compound at one moment (a press, an alert): scenes, brightness, and which groups were offline or faulty. */
import type { County } from '../data/county';
import type { Lit } from '../data/feedbackTypes';
import { useSceneTitle } from '../data/scenes';
import { useI18n } from '../i18n';

export function LitSummary({ lit, county, compound }: { lit: Lit; county: County; compound: string }) {
  const i = useI18n();
  const sceneTitle = useSceneTitle();
  const on = lit.groups.filter((g) => g.online && g.power === 'on');
  const scenes = [...new Set(on.flatMap((g) => (g.scene ? [g.scene] : [])))];
  const levels = on.flatMap((g) => (g.brightness === null ? [] : [g.brightness]));
  const offline = lit.groups.filter((g) => !g.online);
  const faulty = lit.groups.filter((g) => g.online && g.faults.length > 0);
  const name = (id: string) => i.name(county.group(compound, id), id);
  if (lit.groups.length === 0) return <span class="lit muted small">{i.t('lit.unknown')}</span>;
  return (
    <span class="lit small" data-lit>
      <span data-lit-scenes={scenes.join(',')}>{scenes.length > 0 ? i.list(scenes.map(sceneTitle)) : i.t('lit.noScene')}</span>
      {levels.length > 0 && (
        <span data-lit-brightness>
          {' · '}
          {i.t('lit.brightness', {
            level: Math.min(...levels) === Math.max(...levels) ? i.percent(levels[0]!) : `${i.percent(Math.min(...levels))}–${i.percent(Math.max(...levels))}`,
          })}
        </span>
      )}
      {' · '}
      {i.t('lit.on', { n: on.length, total: lit.groups.length })}
      {offline.length > 0 && (
        <span class="lit__offline" data-lit-offline={offline.map((g) => g.group).join(',')}>
          {' · '}
          {offline.length === lit.groups.length
            ? i.t('lit.allOffline')
            : i.t('lit.offline', { groups: i.list(offline.slice(0, 3).map((g) => name(g.group))) + (offline.length > 3 ? '…' : '') })}
        </span>
      )}
      {faulty.length > 0 && (
        <span class="lit__fault fault-text" data-lit-faulty={faulty.map((g) => g.group).join(',')}>
          {' · ⚠ '}
          {i.t('lit.faulty', { groups: i.list(faulty.map((g) => `${name(g.group)} (${i.list(g.faults.map((f) => i.t(`fault.${f}` as never)))})`)) })}
        </span>
      )}
    </span>
  );
}
