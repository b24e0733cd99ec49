import { useEffect } from 'preact/hooks';
import { useI18n } from '../i18n';

/** "<what> · 彩灯" in the tab, in the current language. */
export function useDocumentTitle(what: string): void {
  const { t } = useI18n();
  const title = what ? `${what} · ${t('app.title')}` : t('app.title');
  useEffect(() => {
    document.title = title;
  }, [title]);
}
