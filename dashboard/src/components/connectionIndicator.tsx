import { connection } from '../data/socket';
import { useI18n } from '../i18n';
import { useStore } from '../lib/store';

/** A dot and a word: live (jade, breathing), connecting/reconnecting (gold, blinking). */
export function ConnectionIndicator() {
  const { t } = useI18n();
  const state = useStore(connection);
  return (
    <span class={`connection connection--${state}`} data-connection={state} role="status" aria-live="polite">
      <span class="connection__dot" aria-hidden="true" />
      {t(`conn.${state}`)}
    </span>
  );
}
