/**
 * The shell: the session first (sign-in page until there is one), then the header, the current view by
 * hash route, and the data every view needs. A 401 anywhere lands on sign-in with the page the user was
 * on; signing in goes back there.
 */
import { useEffect, useState } from 'preact/hooks';
import { AppHeader } from './components/appHeader';
import { loadMe, refusal, session, type Me } from './data/auth';
import { county, subscribeCounty } from './data/county';
import { powerHistory } from './data/history';
import { live, subscribeLive } from './data/live';
import { presses } from './data/presses';
import { scenes, subscribeScenes } from './data/scenes';
import { connection } from './data/socket';
import { useI18n } from './i18n';
import { afterSignIn, signInHref, useRoute, type Route } from './lib/router';
import { useStore, useSubscription } from './lib/store';
import { CompoundView } from './views/compoundView';
import { CountyView } from './views/countyView';
import { RefusalBanner } from './views/forbiddenView';
import { NotFound } from './views/notFound';
import { SignInView } from './views/signInView';
import { resetFeedback } from './data/feedback';
import { FeedbackView } from './views/feedback/feedbackView';
import { TicketsView, TicketView } from './views/feedback/ticketsView';
import { WallView } from './views/wall/wallView';

/** Forgets everything the previous user could see: the next user's registry and live state are their own. */
function resetData(): void {
  county.set({ status: 'loading' });
  scenes.set({ status: 'loading' });
  live.set({ loaded: false, ts: 0, devices: new Map(), summaries: new Map() });
  presses.set([]);
  powerHistory.set([]);
  refusal.set(null);
  resetFeedback();
}

export function App() {
  const i = useI18n();
  const s = useStore(session);
  const route = useRoute();
  useEffect(() => {
    void loadMe();
  }, []);
  useEffect(() => {
    if (s.status === 'signedOut') resetData();
  }, [s.status]);
  useEffect(() => {
    // replace(): the sign-in page is a detour, Back should not return to it.
    if (s.status === 'signedOut' && route.view !== 'signin') location.replace(signInHref(location.hash));
    if (s.status === 'signedIn' && route.view === 'signin') location.replace(afterSignIn(route));
  }, [s.status, route]);

  if (s.status === 'loading' || (s.status === 'signedIn' && route.view === 'signin')) return <p class="loading">{i.t('loading')}</p>;
  if (s.status === 'signedOut') return <SignInView />;
  return <Shell me={s.me} route={route} />;
}

type AdminModule = typeof import('./views/adminView');
let adminModule: Promise<AdminModule> | undefined;

/** The admin page is loaded on first visit: most users never open it, so it stays out of the first load. */
function LazyAdmin(props: Parameters<AdminModule['AdminView']>[0]) {
  const i = useI18n();
  const [mod, setMod] = useState<AdminModule | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    (adminModule ??= import('./views/adminView')).then(
      (m) => live && setMod(m),
      (err: Error) => {
        adminModule = undefined;
        if (live) setFailed(err.message);
      },
    );
    return () => void (live = false);
  }, []);
  if (failed) return <p class="form-error" role="alert">{i.t('error.load', { reason: failed })}</p>;
  return mod ? <mod.AdminView {...props} /> : <p class="loading">{i.t('loading')}</p>;
}

type ScheduleModule = typeof import('./views/schedule/scheduleView');
let scheduleModule: Promise<ScheduleModule> | undefined;

/** The schedule screens (week, season, rule editor) load on first visit too: the overview on a wall never needs them. */
function LazySchedule(props: Parameters<ScheduleModule['ScheduleView']>[0]) {
  const i = useI18n();
  const [mod, setMod] = useState<ScheduleModule | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    (scheduleModule ??= import('./views/schedule/scheduleView')).then(
      (m) => live && setMod(m),
      (err: Error) => {
        scheduleModule = undefined;
        if (live) setFailed(err.message);
      },
    );
    return () => void (live = false);
  }, []);
  if (failed) return <p class="form-error" role="alert">{i.t('error.load', { reason: failed })}</p>;
  return mod ? <mod.ScheduleView {...props} /> : <p class="loading">{i.t('loading')}</p>;
}

type LibraryModule = typeof import('./views/scenes/libraryView');
let libraryModule: Promise<LibraryModule> | undefined;

/** The scene library and editor load on first visit: they carry the validator and the effect schemas. */
function LazyLibrary(props: Parameters<LibraryModule['LibraryView']>[0]) {
  const i = useI18n();
  const [mod, setMod] = useState<LibraryModule | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    (libraryModule ??= import('./views/scenes/libraryView')).then(
      (m) => live && setMod(m),
      (err: Error) => {
        libraryModule = undefined;
        if (live) setFailed(err.message);
      },
    );
    return () => void (live = false);
  }, []);
  if (failed) return <p class="form-error" role="alert">{i.t('error.load', { reason: failed })}</p>;
  return mod ? <mod.LibraryView {...props} /> : <p class="loading">{i.t('loading')}</p>;
}

function Shell({ me, route }: { me: Me; route: Route }) {
  useSubscription(subscribeCounty);
  useSubscription(subscribeLive);
  // Scene titles; until they load (or if they cannot), scenes show by id.
  useSubscription(subscribeScenes);
  const i = useI18n();
  const registry = useStore(county);
  const conn = useStore(connection);
  const { loaded } = useStore(live);
  const ready = registry.status === 'ready' ? registry.county : undefined;
  const stale = conn === 'reconnecting' && loaded;
  // A refusal belongs to the page it happened on.
  useEffect(() => refusal.set(null), [route]);

  return (
    <>
      <AppHeader county={ready} me={me} route={route} />
      {stale && (
        <p class="banner" role="alert">
          {i.t('conn.stale')}
        </p>
      )}
      <RefusalBanner name={(id) => i.name(ready?.compound(id), id)} />
      <main class={`main${stale ? ' main--stale' : ''}`}>
        {!ready ? (
          <p class="loading">
            {registry.status === 'loading' && registry.error ? i.t('error.load', { reason: registry.error }) : i.t('loading')}
          </p>
        ) : route.view === 'county' ? (
          <CountyView county={ready} />
        ) : route.view === 'compound' ? (
          <CompoundView county={ready} id={route.compound} me={me} />
        ) : route.view === 'schedule' ? (
          <LazySchedule county={ready} compound={route.compound} me={me} />
        ) : route.view === 'admin' ? (
          <LazyAdmin county={ready} me={me} tab={route.tab} />
        ) : route.view === 'feedback' ? (
          <FeedbackView county={ready} compound={route.compound} me={me} />
        ) : route.view === 'tickets' ? (
          <TicketsView county={ready} me={me} />
        ) : route.view === 'ticket' ? (
          <TicketView county={ready} code={route.code} me={me} />
        ) : route.view === 'wall' ? (
          <WallView county={ready} />
        ) : route.view === 'scenes' ? (
          <LazyLibrary county={ready} me={me} name={route.name} from={route.from} />
        ) : (
          <NotFound />
        )}
      </main>
      <footer class="footer muted small">{i.t('app.footer')}</footer>
    </>
  );
}
