/**
 * The schedule of one compound (`#/schedule/<compound>`): the resolved plan as a week view or as the
 * festival season (除夕 → 元宵), an entry's panel (who won, who lost and why), the rules that touch the
 * compound, and the rule editor. `#/schedule` without a compound is the area page: the compounds of the
 * user's scope by street and community, and the rules over them. Everything refetches when the schedule
 * changes (a save here, or the controller's push).
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { Me } from '../../data/auth';
import type { CompoundInfo, County } from '../../data/county';
import {
  DEFAULT_PRIORITY,
  DAY_MS,
  HOUR_MS,
  civilMidnight,
  clock,
  controllerNow,
  fetchCalendar,
  fetchPlan,
  fetchRules,
  isLimit,
  scheduleRevision,
  shanghaiMidnight,
  subscribeClock,
  subscribeScheduleChanges,
  type Plan,
  type PlanEntry,
  type RuleKind,
  type RuleView,
  type RuleWarning,
} from '../../data/schedule';
import { useI18n } from '../../i18n';
import { href } from '../../lib/router';
import { useStore, useSubscription } from '../../lib/store';
import { NotFound } from '../notFound';
import { useDocumentTitle } from '../title';
import { EntryPanel } from './entryPanel';
import { EVENING, FULL_DAY, dayWindows, paletteIndex, seasonOf } from './layout';
import { RuleEditor, WarningList } from './ruleEditor';
import { SeasonView, WeekView, ruleIndex } from './tracks';

/** The controller's now, re-read every 30 s (a demo clock at ×10 moves the now line visibly). */
function useControllerNow(): number {
  useSubscription(subscribeClock);
  const c = useStore(clock);
  const [now, setNow] = useState(() => controllerNow(c));
  useEffect(() => {
    setNow(controllerNow(c));
    const timer = setInterval(() => setNow(controllerNow(c)), 30_000);
    return () => clearInterval(timer);
  }, [c]);
  return now;
}

type Load<T> = { status: 'loading' } | { status: 'ready'; value: T } | { status: 'failed'; error: string };

/** Fetches `load` whenever `key` or (unless `once`) the schedule's revision changes; keeps showing the last answer meanwhile. */
function useRefetch<T>(load: (signal: AbortSignal) => Promise<T>, key: string, once = false): Load<T> {
  const live = useStore(scheduleRevision);
  const revision = once ? 0 : live;
  const [state, setState] = useState<Load<T>>({ status: 'loading' });
  useEffect(() => {
    const abort = new AbortController();
    load(abort.signal).then(
      (value) => setState({ status: 'ready', value }),
      (err: Error) => !abort.signal.aborted && setState({ status: 'failed', error: err.message }),
    );
    return () => abort.abort();
  }, [key, revision]);
  return state;
}

export function ScheduleView({ county, compound, me }: { county: County; compound: string | undefined; me: Me }) {
  useSubscription(subscribeScheduleChanges);
  const i = useI18n();
  if (compound === undefined) return <AreaSchedule county={county} me={me} />;
  const info = county.compound(compound);
  if (!info) return <NotFound message={i.t('compound.notFound', { id: compound })} />;
  return <CompoundSchedule county={county} compound={info} me={me} />;
}

type Editing = { rule: RuleView | null } | null;

function CompoundSchedule({ county, compound, me }: { county: County; compound: CompoundInfo; me: Me }) {
  const i = useI18n();
  useDocumentTitle(`${i.t('sched.title')} · ${i.name(compound)}`);
  const now = useControllerNow();
  const [tab, setTab] = useState<'week' | 'season'>('week');
  const [weekOffset, setWeekOffset] = useState(0);
  const [fullDay, setFullDay] = useState(false);
  const [selected, setSelected] = useState<PlanEntry | null>(null);
  const [editing, setEditing] = useState<Editing>(null);
  const [saved, setSaved] = useState<{ name: string; warnings: RuleWarning[] } | null>(null);
  const span = fullDay ? FULL_DAY : EVENING;

  // The week: today and the six evenings after it (Asia/Shanghai), moved by whole weeks.
  const today = shanghaiMidnight(now);
  const weekStart = today + weekOffset * 7 * DAY_MS;
  const week = dayWindows(weekStart, 7, span);
  const weekPlan = useRefetch((s) => fetchPlan(compound.id, weekStart, weekStart + 7 * DAY_MS + 6 * HOUR_MS, s), `${compound.id}:${weekStart}`);

  // The season: 除夕 → 元宵 of this civil year, or of next year once this year's 元宵 has passed.
  const year = Number(new Date(now + 8 * HOUR_MS).toISOString().slice(0, 4));
  const calendar = useRefetch(
    async (s) => {
      const [a, b] = await Promise.all([fetchCalendar(year, s), fetchCalendar(year + 1, s)]);
      return [...a, ...b];
    },
    `cal:${year}`,
    true,
  );
  const season = useMemo(() => (calendar.status === 'ready' ? seasonOf(calendar.value, today, year) : null), [calendar, today, year]);
  const seasonDays = season ? dayWindows(civilMidnight(season.from), Math.round((civilMidnight(season.to) - civilMidnight(season.from)) / DAY_MS) + 1, span) : [];
  const seasonPlan = useRefetch(
    (s) => (season && tab === 'season' ? fetchPlan(compound.id, civilMidnight(season.from), civilMidnight(season.to) + DAY_MS + 6 * HOUR_MS, s) : Promise.resolve(null)),
    `${compound.id}:season:${season?.from}:${tab}`,
  );
  const rules = useRefetch((s) => fetchRules(compound.id, s), `rules:${compound.id}`);

  const plan = tab === 'week' ? (weekPlan.status === 'ready' ? weekPlan.value : null) : seasonPlan.status === 'ready' ? seasonPlan.value : null;
  const names = useMemo(() => {
    const m = new Map<string, string>();
    for (const r of weekPlan.status === 'ready' ? weekPlan.value.rules : []) m.set(r.id, r.name);
    for (const r of rules.status === 'ready' ? rules.value : []) m.set(r.id, r.name);
    return m;
  }, [weekPlan, rules]);
  const operable = me.operable.includes(compound.id) || me.actions.includes('govern');
  const failed = (tab === 'week' ? weekPlan : seasonPlan).status === 'failed' ? ((tab === 'week' ? weekPlan : seasonPlan) as { error: string }).error : null;

  return (
    <div class="schedule" data-schedule={compound.id}>
      <a class="back" href={href({ view: 'compound', compound: compound.id })}>
        {i.t('sched.back', { name: i.name(compound) })}
      </a>
      <header class="schedule__head">
        <h1 class="compound__name">
          {i.t('sched.title')} · {i.name(compound)}
        </h1>
        <a class="muted small" href={`/api/compounds/${encodeURIComponent(compound.id)}/calendar.ics`} data-testid="ics-link">
          {i.t('sched.ics')}
        </a>
      </header>

      <section class="panel">
        <div class="schedule__bar">
          <div class="tabs" role="group" aria-label={i.t('sched.views')}>
            <button type="button" class="tabs__tab button--quiet" aria-pressed={tab === 'week'} data-tab="week" onClick={() => (setTab('week'), setSelected(null))}>
              {i.t('sched.week')}
            </button>
            <button type="button" class="tabs__tab button--quiet" aria-pressed={tab === 'season'} data-tab="season" onClick={() => (setTab('season'), setSelected(null))}>
              {i.t('sched.season')}
            </button>
          </div>
          {tab === 'week' && (
            <div class="schedule__nav">
              <button type="button" class="button button--small" onClick={() => setWeekOffset((w) => w - 1)} data-testid="week-prev">
                {i.t('sched.prevWeek')}
              </button>
              <button type="button" class="button button--small" disabled={weekOffset === 0} onClick={() => setWeekOffset(0)}>
                {i.t('sched.thisWeek')}
              </button>
              <button type="button" class="button button--small" onClick={() => setWeekOffset((w) => w + 1)} data-testid="week-next">
                {i.t('sched.nextWeek')}
              </button>
            </div>
          )}
          <label class="rule-form__inline">
            <input type="checkbox" checked={fullDay} onChange={(e) => setFullDay((e.target as HTMLInputElement).checked)} data-testid="full-day" />
            {i.t('sched.fullDay')}
          </label>
        </div>
        {tab === 'season' && season && (
          <p class="muted small" data-testid="season-range">
            {i.t('sched.seasonRange', { from: season.from, to: season.to })}
          </p>
        )}
        {failed && <p class="form-error">{i.t('error.load', { reason: failed })}</p>}
        {!plan ? (
          !failed && <p class="loading">{i.t('loading')}</p>
        ) : (
          <div class={`schedule__body${selected ? ' schedule__body--panel' : ''}`}>
            {tab === 'week' ? (
              <WeekView plan={plan} days={week} span={span} now={now} selected={selected} onSelect={setSelected} />
            ) : (
              <SeasonView plan={plan} days={seasonDays} span={span} now={now} selected={selected} onSelect={setSelected} calendar={calendar.status === 'ready' ? calendar.value : []} />
            )}
            {selected && <EntryPanel entry={selected} rules={ruleIndex(plan)} compound={compound} onClose={() => setSelected(null)} />}
          </div>
        )}
        {plan && <Legend plan={plan} />}
        {plan && plan.warnings.length > 0 && <WarningList warnings={plan.warnings} names={names} testid="plan-warnings" />}
      </section>

      <RulesPanel
        county={county}
        me={me}
        compound={compound.id}
        rules={rules}
        names={names}
        editing={editing}
        saved={saved}
        canCreate={operable}
        onEdit={(rule) => (setEditing({ rule }), setSaved(null))}
        onDone={(result) => {
          setEditing(null);
          setSaved(result ? { name: result.rule.name, warnings: result.warnings } : null);
        }}
      />
    </div>
  );
}

/** A rule's swatch: its palette colour, or for a limit the hatching it is drawn with. */
const swatchClass = (id: string, kind: RuleKind) => (isLimit(kind) ? `sched-limit--${kind}` : `sched-c${paletteIndex(id)}`);

/** The rules' colours with their names, so colour is only ever a second cue. */
function Legend({ plan }: { plan: Plan }) {
  const i = useI18n();
  return (
    <ul class="sched-legend" aria-label={i.t('sched.legend')}>
      {plan.rules.map((r) => (
        <li key={r.id} data-legend={r.id}>
          <span class={`sched-swatch ${swatchClass(r.id, r.kind)}`} aria-hidden="true" />
          {r.name} <span class="muted small">({i.t(`kind.${r.kind}`)})</span>
        </li>
      ))}
    </ul>
  );
}

function RulesPanel(props: {
  county: County;
  me: Me;
  compound?: string;
  rules: Load<RuleView[]>;
  names: ReadonlyMap<string, string>;
  editing: Editing;
  saved: { name: string; warnings: RuleWarning[] } | null;
  canCreate: boolean;
  onEdit(rule: RuleView | null): void;
  onDone(result: { rule: RuleView; warnings: RuleWarning[] } | null): void;
}) {
  const i = useI18n();
  const { rules, editing } = props;
  return (
    <section class="panel" aria-labelledby="rules-title" data-testid="rules">
      <div class="panel__head">
        <h2 id="rules-title" class="panel__title">{i.t('rule.listTitle')}</h2>
        {props.canCreate && !editing && (
          <button type="button" class="button button--primary" onClick={() => props.onEdit(null)} data-testid="rule-new">
            {i.t('rule.new')}
          </button>
        )}
      </div>
      {props.saved && (
        <div class="outcome outcome--ok" role="status" data-testid="rule-saved">
          <p>
            <span aria-hidden="true">✓ </span>
            {i.t('rule.saved', { name: props.saved.name })}
          </p>
          <WarningList warnings={props.saved.warnings} names={props.names} testid="saved-warnings" />
        </div>
      )}
      {editing && <RuleEditor key={editing.rule?.id ?? 'new'} county={props.county} me={props.me} {...(props.compound ? { compound: props.compound } : {})} rule={editing.rule} ruleNames={props.names} onDone={props.onDone} />}
      {rules.status === 'loading' && <p class="loading">{i.t('loading')}</p>}
      {rules.status === 'failed' && <p class="form-error">{i.t('error.load', { reason: rules.error })}</p>}
      {rules.status === 'ready' &&
        (rules.value.length === 0 ? (
          <p class="muted">{i.t('rule.none')}</p>
        ) : (
          <div class="table-wrap">
            <table class="list rule-list">
              <thead>
                <tr>
                  <th>{i.t('rule.name')}</th>
                  <th>{i.t('rule.kind')}</th>
                  <th class="num">{i.t('rule.priority')}</th>
                  <th>{i.t('rule.warnings')}</th>
                  <th>{i.t('users.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {rules.value.map((r) => (
                  <tr key={r.id} data-rule-row={r.id} data-kind={r.kind}>
                    <th scope="row">
                      <span class={`sched-swatch ${swatchClass(r.id, r.kind)}`} aria-hidden="true" /> {r.name}
                      {r.enabled === false && <span class="muted small"> · {i.t('rule.disabled')}</span>}
                    </th>
                    <td>{i.t(`kind.${r.kind}`)}</td>
                    <td class="num">
                      {isLimit(r.kind) ? (
                        <span class="muted">{i.t('rule.limitPriority')}</span>
                      ) : (
                        (r.priority ?? <span class="muted">{i.t('rule.defaultPriority', { n: DEFAULT_PRIORITY[r.kind as keyof typeof DEFAULT_PRIORITY] })}</span>)
                      )}
                    </td>
                    <td>{r.warnings.length === 0 ? <span class="muted">–</span> : <WarningList warnings={r.warnings} names={props.names} testid="rule-row-warnings" />}</td>
                    <td>
                      {r.editable && (
                        <button type="button" class="button button--small" onClick={() => props.onEdit(r)} data-action="edit">
                          {i.t('users.edit')}
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
    </section>
  );
}

/** `#/schedule`: the compounds of the user's scope by street and community, each to its schedule; the area's rules below. */
function AreaSchedule({ county, me }: { county: County; me: Me }) {
  const i = useI18n();
  useDocumentTitle(i.t('sched.title'));
  const [editing, setEditing] = useState<Editing>(null);
  const [saved, setSaved] = useState<{ name: string; warnings: RuleWarning[] } | null>(null);
  const rules = useRefetch((s) => fetchRules(undefined, s), 'rules:*');
  const names = useMemo(() => new Map(rules.status === 'ready' ? rules.value.map((r) => [r.id, r.name] as const) : []), [rules]);
  const shown = new Set(county.compounds.map((c) => c.id));
  return (
    <div class="schedule" data-schedule="*">
      <h1 class="compound__name">{i.t('sched.title')}</h1>
      <section class="panel" aria-labelledby="area-title" data-testid="area-picker">
        <h2 id="area-title" class="panel__title">{i.t('sched.pick')}</h2>
        {county.info.streets.map((street) => {
          const communities = street.communities.filter((c) => c.compounds.some((id) => shown.has(id)));
          if (communities.length === 0) return null;
          return (
            <div key={street.id} class="sched-area" data-area={street.id}>
              <h3>{i.name(street)}</h3>
              {communities.map((community) => (
                <div key={community.id} data-area={community.id}>
                  <h4 class="muted">{i.name(community)}</h4>
                  <ul class="sched-area__list">
                    {community.compounds
                      .filter((id) => shown.has(id))
                      .map((id) => (
                        <li key={id}>
                          <a href={href({ view: 'schedule', compound: id })} data-schedule-link={id}>
                            {i.name(county.compound(id), id)}
                          </a>
                        </li>
                      ))}
                  </ul>
                </div>
              ))}
            </div>
          );
        })}
      </section>
      <RulesPanel
        county={county}
        me={me}
        rules={rules}
        names={names}
        editing={editing}
        saved={saved}
        canCreate={me.operable.length > 0 || me.actions.includes('govern')}
        onEdit={(rule) => (setEditing({ rule }), setSaved(null))}
        onDone={(result) => {
          setEditing(null);
          setSaved(result ? { name: result.rule.name, warnings: result.warnings } : null);
        }}
      />
    </div>
  );
}
