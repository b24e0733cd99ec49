import type { GroupCondition } from '../data/live';
import { useI18n } from '../i18n';

export function StatusBadge({ condition }: { condition: GroupCondition }) {
  const { t } = useI18n();
  return <span class={`badge badge--${condition}`}>{t(`status.${condition}`)}</span>;
}
