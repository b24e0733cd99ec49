import { useI18n } from '../i18n';
import { href } from '../lib/router';

export function NotFound({ message }: { message?: string }) {
  const i = useI18n();
  return (
    <section class="panel empty-state">
      <h1>{message ?? i.t('notFound.title')}</h1>
      <a href={href({ view: 'county' })}>{i.t('notFound.back')}</a>
    </section>
  );
}
