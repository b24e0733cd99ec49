import type { LanternGroupInfo } from '../data/county';
import { groupCondition, type DeviceStatus } from '../data/live';
import { skewOf } from '../data/schedule';
import { useSceneTitle } from '../data/scenes';
import { useI18n } from '../i18n';
import { useClockOffset } from '../lib/clockSync';
import { ScenePreview } from './scenePreview';

/**
 * One lantern group as a small tile on the overview: its lamp glows with the group's brightness when
 * lit, turns red on a fault, goes hollow when off and grey (dashed) when offline. The scene, level and
 * watts are in the tooltip and for screen readers; the compound page has them in full. `data-status`
 * carries the condition for tests and styles. When the group has reported when it started its last
 * show, the start skew (its start minus the planned start) is written under the name.
 */
export function GroupTile({ compound, group, status }: { compound: string; group: LanternGroupInfo; status: DeviceStatus | undefined }) {
  const i = useI18n();
  const sceneTitle = useSceneTitle();
  const condition = groupCondition(status);
  const brightness = status?.state?.brightness;
  const glow = condition === 'online' ? 0.35 + 0.65 * ((brightness ?? 255) / 255) : 1;

  const parts: string[] = [i.t(`status.${condition}`)];
  if (condition === 'fault') parts.push(i.list((status?.faults ?? []).map((f) => i.t(`fault.${f}`))));
  if (condition === 'online' || condition === 'fault') {
    const scene = status?.state?.power === 'on' ? status.state.scene?.name : undefined;
    if (scene) parts.push(sceneTitle(scene));
    if (brightness !== undefined && status?.state?.power === 'on') parts.push(i.percent(brightness));
  }
  if (condition !== 'offline' && status?.watts !== undefined) parts.push(i.watts(status.watts));
  const skew = skewOf(status);
  if (skew !== undefined) parts.push(i.t('skew.tile', { ms: formatSkew(skew) }));
  const detail = parts.join(' · ');

  return (
    <li class={`tile tile--${condition}`} data-device={`${compound}/group/${group.id}`} data-status={condition} title={`${i.name(group)} — ${detail}`}>
      <span class="tile__lamp" style={{ '--glow': String(glow) }} aria-hidden="true" />
      <span class="tile__name">{i.name(group)}</span>
      {skew !== undefined && (
        <span class={`tile__skew${Math.abs(skew) > 50 ? ' tile__skew--late' : ''}`} data-skew={skew} aria-hidden="true">
          {formatSkew(skew)}
        </span>
      )}
      <span class="sr-only"> {detail}</span>
    </li>
  );
}

/** A skew in ms with its sign ('+3 ms', '−12 ms', '0 ms'). */
export function formatSkew(ms: number): string {
  const r = Math.round(ms);
  return `${r > 0 ? '+' : r < 0 ? '−' : ''}${Math.abs(r)} ms`;
}

/**
 * The live preview of what a group plays, in step with it: the scene, parameters and seed of its reported
 * state, started when it reported it started (`startedAt`, else the command's `startAt`), on the
 * controller's clock via the browser's measured offset. An offline group, one that is off and one with no
 * scene show no animation but an icon and words saying why (`data-preview` says which, for tests).
 */
export function GroupPreview({ group, status, label }: { group: LanternGroupInfo; status: DeviceStatus | undefined; label: string }) {
  const i = useI18n();
  const sceneTitle = useSceneTitle();
  const offset = useClockOffset();
  const condition = groupCondition(status);
  const state = status?.state;
  const scene = state?.power === 'on' ? state.scene : null;
  const why = condition === 'offline' ? 'offline' : condition === 'off' || state?.power === 'off' ? 'off' : !scene ? 'none' : null;
  if (why || !scene || !state) {
    return (
      <span class={`preview-note preview-note--${why ?? 'none'}`} data-preview={why ?? 'none'}>
        <span class="preview-note__icon" aria-hidden="true">
          {why === 'offline' ? '⊘' : why === 'off' ? '○' : '–'}
        </span>
        {i.t(`preview.${why ?? 'none'}`)}
      </span>
    );
  }
  return (
    <span class="preview-live" data-preview="live">
      <ScenePreview
        scene={{ name: scene.name, params: scene.params ?? {} }}
        group={group}
        startAt={state.startedAt ?? state.startAt ?? state.ts}
        clockOffsetMs={offset}
        seed={scene.seed ?? 0}
        brightness={state.brightness}
        label={i.t('preview.label', { group: label, scene: sceneTitle(scene.name) })}
        testId="scene-preview"
      />
    </span>
  );
}
