import type { LanternGroupInfo } from '../data/county';
import { groupCondition, type DeviceStatus } from '../data/live';
import { useI18n } from '../i18n';

/**
 * One lantern group as a small tile: the lantern dot glows with the group's brightness when lit, turns
 * red on a fault, goes dark when off and grey when offline. Status is in `data-status` for tests and
 * styles, and in words for screen readers.
 */
export function GroupTile({ compound, group, status }: { compound: string; group: LanternGroupInfo; status: DeviceStatus | undefined }) {
  const i = useI18n();
  const condition = groupCondition(status);
  const brightness = status?.state?.brightness;
  const scene = status?.state?.scene?.name;
  const glow = condition === 'online' ? 0.35 + 0.65 * ((brightness ?? 255) / 255) : 1;

  let detail: string;
  if (condition === 'offline') detail = i.t('status.offline');
  else if (condition === 'fault') detail = (status?.faults ?? []).map((f) => i.t(`fault.${f}`)).join('、');
  else if (condition === 'off') detail = i.t('status.off');
  else detail = [scene ?? i.t('group.noScene'), brightness !== undefined ? i.percent(brightness) : ''].filter(Boolean).join(' · ');

  return (
    <li
      class={`tile tile--${condition}`}
      data-device={`${compound}/group/${group.id}`}
      data-status={condition}
      title={`${i.name(group)} — ${i.t(`status.${condition}`)}${status?.seenAt ? ` · ${i.t('group.lastSeen')} ${i.dateTime(status.seenAt)}` : ''}`}
    >
      <span class="tile__lamp" style={{ '--glow': String(glow) }} aria-hidden="true" />
      <span class="tile__body">
        <span class="tile__row">
          <span class="tile__name">{i.name(group)}</span>
          {condition !== 'offline' && status?.watts !== undefined && <span class="tile__watts">{i.watts(status.watts)}</span>}
        </span>
        <span class="tile__detail">
          <span class="sr-only">{i.t(`status.${condition}`)} </span>
          {detail}
        </span>
      </span>
    </li>
  );
}
