import { setLocale, useI18n } from '../i18n';

export function LanguageToggle() {
  const { t, locale: current } = useI18n();
  const next = current === 'en' ? 'zh-CN' : 'en';
  return (
    <button type="button" class="lang-toggle" data-testid="lang-toggle" title={t('lang.switchTitle')} lang={next} onClick={() => setLocale(next)}>
      {t('lang.switch')}
    </button>
  );
}
