/** The shell: header, the current view by hash route, and the data every view needs. */
import { AppHeader } from './components/appHeader';
import { county, subscribeCounty } from './data/county';
import { live, subscribeLive } from './data/live';
import { subscribeScenes } from './data/scenes';
import { connection } from './data/socket';
import { useI18n } from './i18n';
import { useRoute } from './lib/router';
import { useStore, useSubscription } from './lib/store';
import { CompoundView } from './views/compoundView';
import { CountyView } from './views/countyView';
import { NotFound } from './views/notFound';

export function App() {
  useSubscription(subscribeCounty);
  useSubscription(subscribeLive);
  // Scene titles; until they load (or if they cannot), scenes show by id.
  useSubscription(subscribeScenes);
  const i = useI18n();
  const registry = useStore(county);
  const conn = useStore(connection);
  const { loaded } = useStore(live);
  const route = useRoute();
  const ready = registry.status === 'ready' ? registry.county : undefined;
  const stale = conn === 'reconnecting' && loaded;

  return (
    <>
      <AppHeader county={ready} />
      {stale && (
        <p class="banner" role="alert">
          {i.t('conn.stale')}
        </p>
      )}
      <main class={`main${stale ? ' main--stale' : ''}`}>
        {!ready ? (
          <p class="loading">
            {registry.status === 'loading' && registry.error ? i.t('error.load', { reason: registry.error }) : i.t('loading')}
          </p>
        ) : route.view === 'county' ? (
          <CountyView county={ready} />
        ) : route.view === 'compound' ? (
          <CompoundView county={ready} id={route.compound} />
        ) : (
          <NotFound />
        )}
      </main>
      <footer class="footer muted small">{i.t('app.footer')}</footer>
    </>
  );
}
