/**
 * The side panel of one plan entry: when, which groups, which scene (its Chinese name), which rule won
 * and why, and every rule that lost there with the reason the plan gives (LostWhy).
 */
import { useEffect, useRef } from 'preact/hooks';
import type { CompoundInfo } from '../../data/county';
import { civilDay, clockTime, type PlanEntry, type PlanRuleInfo } from '../../data/schedule';
import { scenes } from '../../data/scenes';
import { useI18n } from '../../i18n';
import { useStore } from '../../lib/store';
import { entryOwner } from './tracks';

export function EntryPanel({ entry, rules, compound, onClose }: { entry: PlanEntry; rules: ReadonlyMap<string, PlanRuleInfo>; compound: CompoundInfo; onClose(): void }) {
  const i = useI18n();
  const library = useStore(scenes);
  const heading = useRef<HTMLHeadingElement>(null);
  // Keyboard users land in the panel they opened; Escape closes it wherever the focus is.
  useEffect(() => heading.current?.focus(), [entry]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [onClose]);
  const scene = entry.scene ? (library.status === 'ready' ? library.library.scene(entry.scene.name) : undefined) : undefined;
  const sceneZh = entry.scene ? (scene?.title.zh ?? scene?.title.en ?? entry.scene.name) : null;
  const sceneOther = i.locale === 'en' && scene?.title.en && scene.title.en !== sceneZh ? scene.title.en : null;
  const won = entry.ruleId ? rules.get(entry.ruleId) : undefined;
  const allGroups = entry.groups.length === compound.groups.length;
  const groupNames = allGroups ? i.t('sched.allGroups', { n: entry.groups.length }) : i.list(entry.groups.map((g) => i.name(compound.groups.find((x) => x.id === g), g)));

  return (
    <aside class="panel sched-panel" aria-labelledby="sched-panel-title" data-testid="entry-panel">
      <div class="panel__head">
        <h2 id="sched-panel-title" class="panel__title" tabIndex={-1} ref={heading}>
          {civilDay(entry.start).slice(5).replace('-', '/')} {clockTime(entry.start)}–{clockTime(entry.end)}
        </h2>
        <button type="button" class="button button--small" onClick={onClose} data-testid="entry-close">
          {i.t('sched.close')}
        </button>
      </div>
      <dl class="sched-facts">
        <dt>{i.t('sched.groups')}</dt>
        <dd>{groupNames}</dd>
        <dt>{i.t('sched.scene')}</dt>
        <dd data-testid="entry-scene">
          {entry.power === 'off' ? i.t('sched.dark') : sceneZh ? <span lang="zh-CN">{sceneZh}</span> : i.t('sched.lit')}
          {sceneOther && <span class="muted"> ({sceneOther})</span>}
          {entry.power === 'on' && <span class="muted"> · {i.percent(entry.brightness)}</span>}
          {entry.playlistItem !== undefined && <span class="muted"> · {i.t('sched.item', { n: entry.playlistItem + 1 })}</span>}
        </dd>
        <dt>{i.t('sched.won')}</dt>
        <dd data-testid="entry-won" data-rule={entry.ruleId ?? undefined}>
          <strong>{entryOwner(i, entry, rules)}</strong>
          {won && <span class="muted"> ({i.t(`kind.${won.kind}`)}{won.priority !== null && ` · ${i.t('sched.priorityN', { n: won.priority })}`})</span>}
          <p class="small">{i.t(`reason.${entry.reason}`)}</p>
        </dd>
        <dt>{i.t('sched.lost')}</dt>
        <dd>
          {entry.lost.length === 0 ? (
            <span class="muted">{i.t('sched.noneLost')}</span>
          ) : (
            <ul class="sched-lost" data-testid="entry-lost">
              {entry.lost.map((l) => {
                const r = rules.get(l.ruleId);
                return (
                  <li key={l.ruleId} data-rule={l.ruleId} data-why={l.why}>
                    <strong>{r?.name ?? l.ruleId}</strong>
                    {r && <span class="muted small"> ({i.t(`kind.${r.kind}`)}{r.priority !== null && ` · ${i.t('sched.priorityN', { n: r.priority })}`})</span>}
                    <span> — {i.t(`why.${l.why}`)}</span>
                  </li>
                );
              })}
            </ul>
          )}
        </dd>
      </dl>
    </aside>
  );
}
