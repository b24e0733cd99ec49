/**
 * Residents' feedback, `#/feedback` (every compound in scope) and `#/feedback/<compound>`: the live feed of
 * presses with what was lit, the satisfaction index (per compound by hour and by night; the county's
 * compounds side by side), the alerts with their actions, and the seed's measure (小事不出小区、难事不出社区).
 */
import { useEffect, useState } from 'preact/hooks';
import { span } from '../../components/countdown';
import { LitSummary } from '../../components/litSummary';
import { UplotChart } from '../../components/uplotChart';
import { canOperate, type Me } from '../../data/auth';
import type { County } from '../../data/county';
import {
  alertAction,
  alerts,
  fetchRecentIndex,
  fetchMeasure,
  fetchPresses,
  feedbackPresses,
  putAlert,
  subscribeAlerts,
  subscribeFeedbackPresses,
  type AlertAction,
  type CompoundIndex,
  type FeedbackAlert,
  type FeedbackPress,
  type IndexBucket,
  type KioskButton,
  type MeasureRow,
} from '../../data/feedback';
import { useSceneTitle } from '../../data/scenes';
import { useI18n, type I18n } from '../../i18n';
import { href } from '../../lib/router';
import { useStore, useSubscription } from '../../lib/store';
import { ForbiddenView } from '../forbiddenView';
import { useDocumentTitle } from '../title';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const REFRESH_MS = 60_000;

/** The feed's mood of each button: an icon beside the words, never colour alone. */
export const BUTTON_MARK: Record<KioskButton, string> = {
  satisfied: '☺',
  unsatisfied: '☹',
  too_bright: '☼',
  too_late: '☾',
  broken_lantern: '⚠',
  help: '✋',
};

export function FeedbackView({ county, compound, me }: { county: County; compound?: string | undefined; me: Me }) {
  const i = useI18n();
  const info = compound ? county.compound(compound) : undefined;
  useDocumentTitle(info ? `${i.t('feedback.title')} · ${i.name(info)}` : i.t('feedback.title'));
  if (compound && !info) return <ForbiddenView what={i.t('refused.compound', { target: compound })} />;
  return (
    <div class="feedback" data-feedback={compound ?? '*'}>
      <header class="compound__head">
        <h1 class="compound__name">
          {i.t('feedback.title')}
          {info && ` · ${i.name(info)}`}
        </h1>
        <nav class="feedback__picker" aria-label={i.t('feedback.pick')}>
          <a href={href({ view: 'feedback' })} aria-current={!compound ? 'page' : undefined}>
            {i.t('feedback.all')}
          </a>
          {county.compounds.map((c) => (
            <a key={c.id} href={href({ view: 'feedback', compound: c.id })} aria-current={c.id === compound ? 'page' : undefined}>
              {i.name(c)}
            </a>
          ))}
        </nav>
      </header>
      <div class="feedback__grid">
        <LiveFeed county={county} compound={compound} />
        <AlertsPanel county={county} compound={compound} me={me} />
      </div>
      {compound ? <CompoundIndexCharts compound={compound} /> : <CountyIndex county={county} />}
      <MeasureTable county={county} node={compound} />
    </div>
  );
}

// ---------------------------------------------------------------------------------------------

function LiveFeed({ county, compound }: { county: County; compound?: string | undefined }) {
  useSubscription(subscribeFeedbackPresses);
  const i = useI18n();
  const { loaded, presses } = useStore(feedbackPresses);
  // The shared feed holds the county's latest; a compound's own page also loads that compound's latest.
  const [own, setOwn] = useState<readonly FeedbackPress[]>([]);
  useEffect(() => {
    setOwn([]);
    if (!compound) return;
    const abort = new AbortController();
    fetchPresses({ compound, limit: 30 }, abort.signal).then(setOwn, () => undefined);
    return () => abort.abort();
  }, [compound]);
  const shown = compound ? mergePresses(presses.filter((p) => p.compound === compound), own).slice(0, 30) : presses.slice(0, 30);
  return (
    <section class="panel" aria-labelledby="ffeed-title" data-testid="feedback-feed">
      <h2 id="ffeed-title" class="panel__title">{i.t('feedback.feed')}</h2>
      {!loaded && shown.length === 0 ? (
        <p class="loading">{i.t('loading')}</p>
      ) : shown.length === 0 ? (
        <p class="muted">{i.t('presses.empty')}</p>
      ) : (
        <ol class="ffeed" aria-live="polite">
          {shown.map((p) => (
            <PressRow key={p.id} p={p} county={county} showCompound={!compound} />
          ))}
        </ol>
      )}
    </section>
  );
}

/** Live and loaded presses together, once each, newest first. */
function mergePresses(a: readonly FeedbackPress[], b: readonly FeedbackPress[]): FeedbackPress[] {
  const byId = new Map<string, FeedbackPress>();
  for (const p of [...b, ...a]) byId.set(p.id, p);
  return [...byId.values()].sort((x, y) => y.receivedAt - x.receivedAt);
}

function PressRow({ p, county, showCompound }: { p: FeedbackPress; county: County; showCompound: boolean }) {
  const i = useI18n();
  const c = county.compound(p.compound);
  const k = county.kiosk(p.compound, p.kiosk);
  return (
    <li class={`ffeed__item${p.misuse ? ' ffeed__item--misuse' : ''}`} data-press-id={p.id} data-button={p.button} data-press-compound={p.compound}>
      <div class="ffeed__line">
        <span class={`ffeed__button ffeed__button--${p.button}`}>
          <span aria-hidden="true">{BUTTON_MARK[p.button]} </span>
          {i.t(`button.${p.button}`)}
        </span>
        <span class="ffeed__where">{showCompound ? `${i.name(c, p.compound)} · ${i.name(k, p.kiosk)}` : i.name(k, p.kiosk)}</span>
        <time class="ffeed__time" dateTime={new Date(p.receivedAt).toISOString()}>{i.time(p.receivedAt)}</time>
        {p.repeat && <span class="tag">{i.t('feedback.repeat')}</span>}
        {p.misuse && <span class="tag tag--warn">{i.t('feedback.misuse')}</span>}
        {p.ticket && (
          <a class="tag tag--ticket" href={href({ view: 'ticket', code: p.ticket })} data-ticket-link={p.ticket}>
            {i.t('feedback.ticket', { code: p.ticket })}
          </a>
        )}
      </div>
      <LitSummary lit={p.lit} county={county} compound={p.compound} />
    </li>
  );
}

// ---------------------------------------------------------------------------------------------

const ALERT_ORDER: Record<FeedbackAlert['state'], number> = { open: 0, acknowledged: 1, ticketed: 2, acted: 3 };

function AlertsPanel({ county, compound, me }: { county: County; compound?: string | undefined; me: Me }) {
  useSubscription(subscribeAlerts);
  const i = useI18n();
  const { loaded, byId } = useStore(alerts);
  const list = [...byId.values()]
    .filter((a) => !compound || a.compound === compound)
    .sort((a, b) => ALERT_ORDER[a.state] - ALERT_ORDER[b.state] || b.raisedAt - a.raisedAt)
    .slice(0, 20);
  return (
    <section class="panel" aria-labelledby="alerts-title" data-testid="alerts">
      <h2 id="alerts-title" class="panel__title">{i.t('alerts.title')}</h2>
      {!loaded && list.length === 0 ? (
        <p class="loading">{i.t('loading')}</p>
      ) : list.length === 0 ? (
        <p class="muted">{i.t('alerts.none')}</p>
      ) : (
        <ul class="alerts">
          {list.map((a) => (
            <AlertItem key={a.id} alert={a} county={county} operable={canOperate(me, a.compound)} showCompound={!compound} />
          ))}
        </ul>
      )}
    </section>
  );
}

function AlertItem({ alert: a, county, operable, showCompound }: { alert: FeedbackAlert; county: County; operable: boolean; showCompound: boolean }) {
  const i = useI18n();
  const sceneTitle = useSceneTitle();
  const [busy, setBusy] = useState<AlertAction | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [level, setLevel] = useState(40);
  const act = async (action: AlertAction) => {
    setBusy(action);
    setProblem(null);
    try {
      putAlert(await alertAction(a.id, action, action === 'dim' ? Math.round((level / 100) * 255) : undefined));
    } catch (err) {
      setProblem((err as Error).message);
    } finally {
      setBusy(null);
    }
  };
  const open = a.state === 'open' || a.state === 'acknowledged';
  const health = a.kind.startsWith('kiosk_');
  const id = `alert-${a.id}`;
  return (
    <li class={`alert alert--${a.state}`} data-alert={a.id} data-kind={a.kind} data-state={a.state}>
      <div class="alert__head">
        <span class="alert__kind">
          <span aria-hidden="true">{health ? '⚙ ' : '⚠ '}</span>
          {i.t(`alertKind.${a.kind}`)}
        </span>
        {showCompound && <span>{i.name(county.compound(a.compound), a.compound)}</span>}
        {a.kiosk && <span>{i.name(county.kiosk(a.compound, a.kiosk), a.kiosk)}</span>}
        <time dateTime={new Date(a.raisedAt).toISOString()}>{i.dateTime(a.raisedAt)}</time>
        <span class="tag">{i.t(`alertState.${a.state}`)}</span>
        {a.ticket && (
          <a class="tag tag--ticket" href={href({ view: 'ticket', code: a.ticket })}>
            {i.t('feedback.ticket', { code: a.ticket })}
          </a>
        )}
      </div>
      <p class="alert__message">{i.locale === 'en' ? a.message.en : a.message.zh}</p>
      <p class="alert__lit muted small">
        {i.t('alerts.playing', {
          scene: a.scene ? sceneTitle(a.scene) : i.t('lit.noScene'),
          brightness: a.brightness === null ? '–' : i.percent(a.brightness),
          n: a.presses,
        })}
        {a.groups.length > 0 && ` · ${i.list(a.groups.map((g) => i.name(county.group(a.compound, g), g)))}`}
      </p>
      {a.actions.length > 0 && (
        <ul class="alert__done small" data-testid="alert-actions-done">
          {a.actions.map((x, n) => (
            <li key={n}>
              ✓ {i.t(`alertAction.${x.action}`)} · {x.by} · {i.dateTime(x.at)}
              {x.result ? ` · ${x.result}` : ''}
            </li>
          ))}
        </ul>
      )}
      {operable && open && !health && (
        <div class="alert__actions" role="group" aria-label={i.t('alerts.actions')}>
          <label class="alert__dim" for={`${id}-level`}>
            <span>{i.t('alerts.dimTo', { percent: level })}</span>
            <input id={`${id}-level`} type="range" min={5} max={100} step={5} value={level} onInput={(e) => setLevel(Number((e.target as HTMLInputElement).value))} />
          </label>
          {(['dim', 'quiet', 'end_show', 'acknowledge'] as const).map((action) => (
            <button key={action} type="button" class={`button button--small${action === 'end_show' ? ' button--danger' : ''}`} data-alert-action={action} disabled={busy !== null} onClick={() => void act(action)}>
              {busy === action ? i.t('play.sending') : i.t(`alertAction.${action}`)}
            </button>
          ))}
        </div>
      )}
      {operable && open && health && (
        <div class="alert__actions">
          <button type="button" class="button button--small" data-alert-action="acknowledge" disabled={busy !== null} onClick={() => void act('acknowledge')}>
            {i.t('alertAction.acknowledge')}
          </button>
        </div>
      )}
      {problem && (
        <p class="form-error small" role="alert">
          {problem}
        </p>
      )}
    </li>
  );
}

// ---------------------------------------------------------------------------------------------

function useIndex(q: { compound?: string | undefined; by: 'hour' | 'night'; span: number }): CompoundIndex[] | null {
  const [data, setData] = useState<CompoundIndex[] | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    const load = () => {
      fetchRecentIndex({ ...(q.compound ? { compound: q.compound } : {}), by: q.by, span: q.span }, abort.signal).then(
        (a) => setData(a.compounds),
        () => !abort.signal.aborted && setData((d) => d ?? []),
      );
    };
    load();
    const timer = setInterval(load, REFRESH_MS);
    return () => {
      abort.abort();
      clearInterval(timer);
    };
  }, [q.compound, q.by, q.span]);
  return data;
}

const indexText = (i: I18n, b: Pick<IndexBucket, 'index' | 'count'> | undefined) =>
  !b ? '–' : b.index === null ? i.t('index.notEnough', { n: b.count }) : i.t('index.value', { index: b.index, n: b.count });

function CompoundIndexCharts({ compound }: { compound: string }) {
  const i = useI18n();
  const byHour = useIndex({ compound, by: 'hour', span: DAY })?.find((c) => c.compound === compound);
  const byNight = useIndex({ compound, by: 'night', span: 30 * DAY })?.find((c) => c.compound === compound);
  const empty = i.t('index.empty');
  return (
    <section class="panel history" aria-labelledby="index-title" data-testid="index-charts">
      <h2 id="index-title" class="panel__title">{i.t('index.title')}</h2>
      <p class="muted small" data-testid="index-total">
        {i.t('index.last24h')}: {indexText(i, byHour?.total)}
      </p>
      <div class="history__grid">
        <UplotChart
          testId="index-by-hour"
          title={i.t('index.byHour')}
          times={byHour?.buckets.map((b) => b.start) ?? []}
          series={[
            { label: i.t('index.label'), color: '#56b4e9', values: byHour?.buckets.map((b) => b.index) ?? [] },
            { label: i.t('index.count'), color: '#cc79a7', values: byHour?.buckets.map((b) => b.count) ?? [] },
          ]}
          format={(v) => String(Math.round(v))}
          empty={empty}
          note={i.t('index.gaps')}
        />
        <UplotChart
          testId="index-by-night"
          title={i.t('index.byNight')}
          kind="bars"
          times={byNight?.buckets.map((b) => b.start) ?? []}
          series={[{ label: i.t('index.label'), color: '#e69f00', values: byNight?.buckets.map((b) => b.index) ?? [] }]}
          format={(v) => String(Math.round(v))}
          empty={empty}
        />
      </div>
      <p class="muted small">{i.t('index.note')}</p>
    </section>
  );
}

/** The county's compounds side by side: each one's index over the last night, highest first; "not enough presses" last. */
function CountyIndex({ county }: { county: County }) {
  const i = useI18n();
  const data = useIndex({ by: 'night', span: DAY });
  const rows = county.compounds
    .map((c) => ({ c, total: data?.find((x) => x.compound === c.id)?.total }))
    .sort((a, b) => (b.total?.index ?? -1) - (a.total?.index ?? -1));
  return (
    <section class="panel" aria-labelledby="county-index-title" data-testid="county-index">
      <h2 id="county-index-title" class="panel__title">{i.t('index.county')}</h2>
      {data === null ? (
        <p class="loading">{i.t('loading')}</p>
      ) : (
        <ol class="ibars">
          {rows.map(({ c, total }) => (
            <li key={c.id} class="ibars__row" data-index-compound={c.id} data-index={total?.index ?? ''}>
              <a class="ibars__name" href={href({ view: 'feedback', compound: c.id })}>
                {i.name(c)}
              </a>
              <span class="ibars__bar" aria-hidden="true">
                <span style={{ width: `${total?.index ?? 0}%` }} class={total?.index === null || total === undefined ? 'ibars__fill ibars__fill--none' : 'ibars__fill'} />
              </span>
              <span class="ibars__value">{indexText(i, total)}</span>
            </li>
          ))}
        </ol>
      )}
      <p class="muted small">{i.t('index.note')}</p>
    </section>
  );
}

// ---------------------------------------------------------------------------------------------

const pct = (x: number) => `${Math.round(x * 100)}%`;

export function nodeName(i: I18n, county: County, id: string): string {
  if (id === county.info.county.id) return i.name(county.info.county);
  if (id === county.info.city.id) return i.name(county.info.city);
  return i.name(county.compound(id) ?? county.area(id), id);
}

/** The seed's measure: how much was settled at the compound and by the community, how fast, how much climbed. */
export function MeasureTable({ county, node, compact = false }: { county: County; node?: string | undefined; compact?: boolean }) {
  const i = useI18n();
  const [by, setBy] = useState<'season' | 'month'>('month');
  const [rows, setRows] = useState<MeasureRow[] | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    setFailed(null);
    fetchMeasure({ by, ...(node ? { node } : {}) }, abort.signal).then(setRows, (err: Error) => !abort.signal.aborted && setFailed(err.message));
    return () => abort.abort();
  }, [by, node]);
  const dur = (ms: number | null | undefined) => (ms === null || ms === undefined ? '–' : span(i, ms));
  return (
    <section class="panel" aria-labelledby="measure-title" data-testid="measure">
      <h2 id="measure-title" class="panel__title">{i.t('measure.title')}</h2>
      <p class="muted small">{i.t('measure.rule')}</p>
      {!compact && (
        <div class="measure__by" role="group" aria-label={i.t('measure.by')}>
          {(['month', 'season'] as const).map((b) => (
            <button key={b} type="button" class={`button button--small${by === b ? '' : ' button--quiet'}`} aria-pressed={by === b} onClick={() => setBy(b)}>
              {i.t(`measure.by.${b}`)}
            </button>
          ))}
        </div>
      )}
      {failed ? (
        <p class="form-error small" role="alert">{i.t('error.load', { reason: failed })}</p>
      ) : rows === null ? (
        <p class="loading">{i.t('loading')}</p>
      ) : rows.length === 0 ? (
        <p class="muted">{i.t('measure.none')}</p>
      ) : (
        <div class="table-wrap">
          <table class="measure">
            <thead>
              <tr>
                <th>{i.t('measure.node')}</th>
                <th>{i.t('measure.period')}</th>
                <th class="num">{i.t('measure.tickets')}</th>
                <th class="num">{i.t('measure.atCompound')}</th>
                <th class="num">{i.t('measure.byCommunity')}</th>
                <th class="num">{i.t('measure.firstAction')}</th>
                <th class="num">{i.t('measure.resolution')}</th>
                <th class="num">{i.t('measure.reached')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={`${r.node}/${r.period}`} data-measure-node={r.node}>
                  <th scope="row">{nodeName(i, county, r.node)}</th>
                  <td>{r.period}</td>
                  <td class="num">{r.tickets}</td>
                  <td class="num">{pct(r.settledAtCompound)}</td>
                  <td class="num">{pct(r.settledByCommunity)}</td>
                  <td class="num">{dur(r.medianFirstActionMs.compound)}</td>
                  <td class="num">{dur(r.medianResolutionMs.compound)}</td>
                  <td class="num">
                    {r.reachedStreet} / {r.reachedCounty} / {r.reachedCity}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p class="muted small">{i.t('measure.legend')}</p>
    </section>
  );
}
