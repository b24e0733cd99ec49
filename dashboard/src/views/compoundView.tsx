/**
 * One compound: its numbers and power, what plays, the play controls for those who may operate it,
 * every lantern group with status, watts and last seen, its kiosks and their presses.
 */
import { useEffect, useState } from 'preact/hooks';
import { HistoryPanel } from '../components/historyPanel';
import { KpiStrip } from '../components/kpiStrip';
import { PlayControls } from '../components/playControls';
import { PowerChart } from '../components/powerChart';
import { PressFeed } from '../components/pressFeed';
import { formatSkew, GroupPreview } from '../components/groupTile';
import { SkewHistogram } from '../components/skewHistogram';
import { StatusBadge } from '../components/statusBadge';
import { ApiError, getJson } from '../data/api';
import { canOperate, type Me } from '../data/auth';
import type { CompoundInfo, County } from '../data/county';
import { HISTORY_WINDOW_MS, powerHistory, subscribePowerHistory } from '../data/history';
import { deviceKey, groupCondition, live, totals } from '../data/live';
import { presses, subscribePresses } from '../data/presses';
import { skewOf } from '../data/schedule';
import { useSceneTitle } from '../data/scenes';
import { useI18n } from '../i18n';
import { href } from '../lib/router';
import { useStore, useSubscription } from '../lib/store';
import { ForbiddenView } from './forbiddenView';
import { NotFound } from './notFound';
import { useDocumentTitle } from './title';

export function CompoundView({ county, id, me }: { county: County; id: string; me: Me }) {
  const compound = county.compound(id);
  if (!compound) return <MissingCompound id={id} />;
  return <CompoundDetail county={county} compound={compound} me={me} />;
}

/**
 * A compound the registry (already narrowed to the user's scope) does not list: the controller says
 * whether it is out of scope (403) or does not exist (404).
 */
function MissingCompound({ id }: { id: string }) {
  const i = useI18n();
  const [answer, setAnswer] = useState<'loading' | 'forbidden' | 'missing'>('loading');
  useEffect(() => {
    const abort = new AbortController();
    setAnswer('loading');
    getJson(`/api/compounds/${encodeURIComponent(id)}`, abort.signal, { quiet403: true })
      .then(() => setAnswer('missing'))
      .catch((err) => {
        if (!abort.signal.aborted) setAnswer(err instanceof ApiError && err.status === 403 ? 'forbidden' : 'missing');
      });
    return () => abort.abort();
  }, [id]);
  useDocumentTitle(answer === 'forbidden' ? i.t('refused.title') : '');
  if (answer === 'loading') return <p class="loading">{i.t('loading')}</p>;
  if (answer === 'forbidden') return <ForbiddenView what={i.t('refused.compound', { target: id })} />;
  return <NotFound message={i.t('compound.notFound', { id })} />;
}

function CompoundDetail({ county, compound, me }: { county: County; compound: CompoundInfo; me: Me }) {
  useSubscription(subscribePowerHistory);
  useSubscription(subscribePresses);
  const i = useI18n();
  const sceneTitle = useSceneTitle();
  const state = useStore(live);
  const history = useStore(powerHistory);
  const feed = useStore(presses).filter((p) => p.compound === compound.id);
  const summary = state.summaries.get(compound.id);
  useDocumentTitle(i.name(compound));

  const operable = canOperate(me, compound.id);
  // What is playing, for everyone who may read the compound (the controls are only for those who may operate it).
  const playing = [
    ...new Set(
      compound.groups.flatMap((g) => {
        const st = state.devices.get(deviceKey(compound.id, 'group', g.id));
        return st?.online && st.state?.power === 'on' && st.state.scene ? [st.state.scene.name] : [];
      }),
    ),
  ];
  // The groups' latest start skews, as one string: the histogram fetches the report when it changes.
  const skewKey = compound.groups
    .map((g) => skewOf(state.devices.get(deviceKey(compound.id, 'group', g.id))))
    .filter((v) => v !== undefined)
    .join(',');
  const area = [county.info.county, county.area(compound.street), county.area(compound.community)].map((n) => i.name(n)).filter(Boolean).join(' · ');

  return (
    <div class="compound" data-compound-detail={compound.id}>
      <a class="back" href={href({ view: 'county' })}>
        {i.t('compound.back')}
      </a>
      <header class="compound__head">
        <h1 class="compound__name">{i.name(compound)}</h1>
        <p class="compound__area">{area}</p>
        <p class="compound__playing" data-testid="now-playing">
          {playing.length > 0 ? i.t('compound.playing', { scenes: i.list(playing.map(sceneTitle)) }) : i.t('compound.nothingPlaying')}
        </p>
        <p>
          <a class="button button--small" href={href({ view: 'schedule', compound: compound.id })} data-testid="schedule-link">
            {i.t('sched.open')}
          </a>
        </p>
      </header>

      {operable && <PlayControls compound={compound} />}

      <section class="overview">
        <div class="panel overview__main">
          <KpiStrip totals={totals(summary ? [summary] : [])} />
          <PowerChart
            titleKey="chart.compound"
            points={history.map((s) => ({ ts: s.ts, watts: s.byCompound[compound.id] ?? 0 }))}
            maxWindowMs={HISTORY_WINDOW_MS}
          />
        </div>
        <PressFeed presses={feed} county={county} showCompound={false} />
      </section>

      <SkewHistogram compound={compound.id} reports={skewKey} />

      <HistoryPanel compound={compound.id} />

      <section class="panel" aria-labelledby="groups-title">
        <h2 id="groups-title" class="panel__title">{i.t('compound.groups')}</h2>
        {compound.groups.length === 0 ? (
          <p class="muted">{i.t('compound.noGroups')}</p>
        ) : (
          <div class="table-wrap">
            <table class="groups">
              <thead>
                <tr>
                  <th>{i.t('group.name')}</th>
                  <th>{i.t('group.status')}</th>
                  <th>{i.t('group.scene')}</th>
                  <th class="num">{i.t('group.brightness')}</th>
                  <th class="num">{i.t('group.watts')}</th>
                  <th>{i.t('group.faults')}</th>
                  <th>{i.t('group.lastSeen')}</th>
                  <th class="num">{i.t('skew.column')}</th>
                </tr>
              </thead>
              <tbody>
                {compound.groups.map((g) => {
                  const s = state.devices.get(deviceKey(compound.id, 'group', g.id));
                  const condition = groupCondition(s);
                  return (
                    <tr key={g.id} data-group-row={`${compound.id}/group/${g.id}`} data-status={condition} class={`row--${condition}`}>
                      <th scope="row">
                        <span class={`tile__lamp tile__lamp--inline tile--${condition}`} aria-hidden="true" />
                        {i.name(g)}
                      </th>
                      <td>
                        <StatusBadge condition={condition} />
                      </td>
                      <td data-scene={s?.state?.scene?.name}>
                        {s?.state?.scene ? sceneTitle(s.state.scene.name) : <span class="muted">{i.t('group.noScene')}</span>}
                        <GroupPreview group={g} status={s} label={i.name(g)} />
                      </td>
                      <td class="num">
                        {!s?.state ? '–' : s.state.power === 'off' ? <span class="muted">{i.t('status.off')}</span> : i.percent(s.state.brightness)}
                      </td>
                      <td class="num">
                        {i.watts(s?.watts)}
                        <span class="muted small"> / {i.t('group.rated', { watts: i.watts(g.ratedWatts) })}</span>
                      </td>
                      <td>
                        {s?.faults && s.faults.length > 0 ? (
                          <span class="fault-text">{i.list(s.faults.map((f) => i.t(`fault.${f}`)))}</span>
                        ) : (
                          <span class="muted">{i.t('group.noFaults')}</span>
                        )}
                      </td>
                      <td>{i.dateTime(s?.seenAt)}</td>
                      <td class="num" data-skew={skewOf(s)}>
                        {skewOf(s) === undefined ? <span class="muted">–</span> : formatSkew(skewOf(s)!)}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section class="panel" aria-labelledby="kiosks-title">
        <h2 id="kiosks-title" class="panel__title">{i.t('compound.kiosks')}</h2>
        {compound.kiosks.length === 0 ? (
          <p class="muted">{i.t('compound.noKiosks')}</p>
        ) : (
          <ul class="kiosks">
            {compound.kiosks.map((k) => {
              const s = state.devices.get(deviceKey(compound.id, 'kiosk', k.id));
              const condition = s?.online ? 'online' : 'offline';
              return (
                <li key={k.id} class="kiosk" data-device={`${compound.id}/kiosk/${k.id}`} data-status={condition}>
                  <span class="kiosk__name">{i.name(k)}</span>
                  <StatusBadge condition={condition} />
                  <span class="muted small">
                    {i.t('group.since')} {i.dateTime(s?.since)}
                  </span>
                </li>
              );
            })}
          </ul>
        )}
      </section>
    </div>
  );
}
