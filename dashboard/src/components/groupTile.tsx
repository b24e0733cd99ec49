import type { LanternGroupInfo } from '../data/county';
import { groupCondition, type DeviceStatus } from '../data/live';
import { skewOf } from '../data/schedule';
import { useSceneTitle } from '../data/scenes';
import { useI18n } from '../i18n';

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
