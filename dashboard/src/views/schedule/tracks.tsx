/**
 * The plan drawn on day tracks: the week view (7 columns, time running down) and the festival-season
 * view (one row per day from 除夕 to 元宵, time running right). Each entry is a button coloured by its
 * rule with the rule's name written in it; curfew, quiet-hours and budget windows lie over the tracks
 * hatched and labelled; the controller's "now" is a line across today's track.
 */
import type { CalendarEntry, LimitWindow, Plan, PlanEntry, PlanRuleInfo } from '../../data/schedule';
import { clockTime, isoWeekday } from '../../data/schedule';
import { useSceneTitle } from '../../data/scenes';
import { useI18n, type I18n } from '../../i18n';
import { hourTicks, mergedLimits, paletteIndex, segments, shownEntries, type DaySpan, type DayWindow, type Segment } from './layout';

export interface TrackProps {
  plan: Plan;
  days: DayWindow[];
  span: DaySpan;
  now: number;
  selected: PlanEntry | null;
  onSelect(entry: PlanEntry): void;
}

export const ruleIndex = (plan: Plan) => new Map(plan.rules.map((r) => [r.id, r]));

/** Who an entry belongs to, in words: the rule's name, a manual override, or nothing. */
export function entryOwner(i: I18n, entry: PlanEntry, rules: ReadonlyMap<string, PlanRuleInfo>): string {
  if (entry.overrideId) return i.t('sched.override');
  if (entry.ruleId) return rules.get(entry.ruleId)?.name ?? entry.ruleId;
  return i.t('sched.noRule');
}

const weekdayKey = (day: number) => `sched.wd${day}` as 'sched.wd1';

export function dayLabel(i: I18n, w: DayWindow): string {
  return `${w.day.slice(5).replace('-', '/')} ${i.t(weekdayKey(isoWeekday(w.midnight + 12 * 3600_000)))}`;
}

function colourClass(entry: PlanEntry): string {
  if (entry.overrideId) return 'sched-override';
  if (entry.power === 'off' || entry.reason === 'curfew') return 'sched-cut';
  return entry.ruleId ? `sched-c${paletteIndex(entry.ruleId)}` : 'sched-none';
}

function Block({ seg, rules, selected, onSelect, axis }: { seg: Segment<PlanEntry>; rules: ReadonlyMap<string, PlanRuleInfo>; selected: boolean; onSelect(e: PlanEntry): void; axis: 'down' | 'right' }) {
  const i = useI18n();
  const sceneTitle = useSceneTitle();
  const e = seg.item;
  const owner = entryOwner(i, e, rules);
  const what = e.power === 'off' ? i.t('sched.dark') : e.scene ? sceneTitle(e.scene.name) : i.t('sched.lit');
  const times = `${clockTime(e.start)}–${clockTime(e.end)}`;
  const dim = e.reason === 'quiet' ? ` · ${i.percent(e.brightness)}` : '';
  const pos = axis === 'down'
    ? { top: `${seg.offset * 100}%`, height: `${seg.length * 100}%`, left: `${(seg.lane / seg.lanes) * 100}%`, width: `${100 / seg.lanes}%` }
    : { left: `${seg.offset * 100}%`, width: `${seg.length * 100}%`, top: `${(seg.lane / seg.lanes) * 100}%`, height: `${100 / seg.lanes}%` };
  return (
    <button
      type="button"
      class={`sched-block ${colourClass(e)}${selected ? ' sched-block--selected' : ''}${seg.cutStart ? ' sched-block--cut-start' : ''}${seg.cutEnd ? ' sched-block--cut-end' : ''}`}
      style={pos}
      data-testid="plan-entry"
      data-rule={e.ruleId ?? undefined}
      data-override={e.overrideId ?? undefined}
      data-reason={e.reason}
      aria-pressed={selected}
      aria-label={`${owner}: ${what}${dim}, ${times}${e.lost.length > 0 ? `, ${i.t('sched.othersLost', { n: e.lost.length })}` : ''}`}
      title={`${owner} · ${what}${dim} · ${times}`}
      onClick={() => onSelect(e)}
    >
      <span class="sched-block__rule">{owner}</span>
      <span class="sched-block__what">
        {what}
        {dim}
      </span>
      <span class="sched-block__time">{times}</span>
    </button>
  );
}

function Limit({ seg, rules, axis }: { seg: Segment<LimitWindow>; rules: ReadonlyMap<string, PlanRuleInfo>; axis: 'down' | 'right' }) {
  const i = useI18n();
  const l = seg.item;
  const name = rules.get(l.ruleId)?.name ?? l.ruleId;
  const kind = i.t(`kind.${l.kind}`);
  const extra = l.kind === 'quiet' && l.maxBrightness !== undefined ? ` ≤ ${i.percent(l.maxBrightness)}` : '';
  const pos = axis === 'down' ? { top: `${seg.offset * 100}%`, height: `${seg.length * 100}%` } : { left: `${seg.offset * 100}%`, width: `${seg.length * 100}%` };
  return (
    <div class={`sched-limit sched-limit--${l.kind}`} style={pos} data-testid="plan-limit" data-limit={l.kind} data-rule={l.ruleId} title={`${kind}${extra} · ${name} · ${clockTime(l.start)}–${clockTime(l.end)}`}>
      <span class="sched-limit__label">
        {kind}
        {extra} {clockTime(l.start)}
      </span>
    </div>
  );
}

/** One day's track: its limits, its entries, and the now line when now falls in it. */
function Track({ plan, w, span, now, selected, onSelect, axis, rules }: Omit<TrackProps, 'days'> & { w: DayWindow; axis: 'down' | 'right'; rules: ReadonlyMap<string, PlanRuleInfo> }) {
  const i = useI18n();
  const entrySegs = segments(shownEntries(plan.entries), w.from, w.to);
  const limitSegs = segments(mergedLimits(plan.limits), w.from, w.to);
  const nowAt = now >= w.from && now < w.to ? (now - w.from) / (w.to - w.from) : null;
  return (
    <div class={`sched-track sched-track--${axis}`} data-day={w.day} style={{ '--hours': String(span.hours) }}>
      {hourTicks(span, 1).map((t) => (
        <span key={t.offset} class="sched-track__hour" style={axis === 'down' ? { top: `${t.offset * 100}%` } : { left: `${t.offset * 100}%` }} aria-hidden="true" />
      ))}
      {limitSegs.map((s) => (
        <Limit key={`${s.item.ruleId}-${s.start}`} seg={s} rules={rules} axis={axis} />
      ))}
      {entrySegs.map((s) => (
        <Block key={`${s.item.start}-${s.item.groups.join(',')}`} seg={s} rules={rules} selected={selected === s.item} onSelect={onSelect} axis={axis} />
      ))}
      {nowAt !== null && (
        <div class="sched-now" style={axis === 'down' ? { top: `${nowAt * 100}%` } : { left: `${nowAt * 100}%` }} data-testid="now-line">
          <span class="sched-now__label">
            {i.t('sched.now')} {clockTime(now)}
          </span>
        </div>
      )}
    </div>
  );
}

/** Seven columns, one per evening, time running down; the hours in a column on the left. Scrolls sideways on a phone. */
export function WeekView(props: TrackProps) {
  const i = useI18n();
  const rules = ruleIndex(props.plan);
  const today = props.days.find((w) => props.now >= w.midnight && props.now < w.midnight + 86_400_000)?.day;
  return (
    <div class="sched-scroll" tabIndex={0} role="region" aria-label={i.t('sched.week')} data-testid="week-view">
      <div class="sched-week" style={{ '--hours': String(props.span.hours) }}>
        <div class="sched-week__corner" aria-hidden="true" />
        {props.days.map((w) => (
          <h3 key={w.day} class={`sched-week__day${w.day === today ? ' sched-week__day--today' : ''}`}>
            {dayLabel(i, w)}
            {w.day === today && <span class="sched-today"> · {i.t('sched.today')}</span>}
          </h3>
        ))}
        <div class="sched-axis sched-axis--down" aria-hidden="true">
          {hourTicks(props.span).map((t) => (
            <span key={t.offset} style={{ top: `${t.offset * 100}%` }}>
              {t.label}
            </span>
          ))}
        </div>
        {props.days.map((w) => (
          <Track key={w.day} {...props} w={w} axis="down" rules={rules} />
        ))}
      </div>
    </div>
  );
}

/** One row per day of the season (除夕 … 元宵), time running right, the day's festivals named beside it. */
export function SeasonView(props: TrackProps & { calendar: readonly CalendarEntry[] }) {
  const i = useI18n();
  const rules = ruleIndex(props.plan);
  const byDay = new Map<string, CalendarEntry[]>();
  for (const c of props.calendar) byDay.set(c.date, [...(byDay.get(c.date) ?? []), c]);
  return (
    <div class="sched-scroll" tabIndex={0} role="region" aria-label={i.t('sched.season')} data-testid="season-view">
      <div class="sched-season">
        <div class="sched-season__head">
          <span aria-hidden="true" />
          <div class="sched-axis sched-axis--right" aria-hidden="true">
            {hourTicks(props.span).map((t) => (
              <span key={t.offset} style={{ left: `${t.offset * 100}%` }}>
                {t.label}
              </span>
            ))}
          </div>
        </div>
        {props.days.map((w) => (
          <div key={w.day} class="sched-season__row" data-season-day={w.day}>
            <h3 class="sched-season__day">
              <span>{dayLabel(i, w)}</span>
              {(byDay.get(w.day) ?? [])
                .filter((c) => c.kind === 'festival' || c.kind === 'holiday' || c.kind === 'solar-term')
                .map((c) => (
                  <span key={c.id} class={`sched-tag sched-tag--${c.kind}`} data-festival={c.id}>
                    {i.title(c.name, c.id)}
                  </span>
                ))}
            </h3>
            <Track {...props} w={w} axis="right" rules={rules} />
          </div>
        ))}
      </div>
    </div>
  );
}
