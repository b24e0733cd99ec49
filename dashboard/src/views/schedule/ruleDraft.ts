/**
 * The rule editor's form state and its translation to and from a RuleBody. The form keeps strings (what
 * the inputs hold); `toBody` sends what was typed, numbers as numbers, and leaves the judging to the
 * controller's check, whose problems come back with JSON-pointer paths (`FIELD_OF_PATH`).
 */
import {
  DEFAULT_PRIORITY,
  isLimit,
  type DaySel,
  type FestivalId,
  type HolidayId,
  type Play,
  type RuleBody,
  type RuleKind,
  type RuleView,
  type SolarTermId,
  type SunEvent,
  type TimeSpec,
} from '../../data/schedule';

export type DaysMode = 'every' | 'weekdays' | 'festival' | 'festivalRange' | 'lunar' | 'solarTerm' | 'holiday' | 'dates';
export const DAYS_MODES: readonly DaysMode[] = ['every', 'weekdays', 'festivalRange', 'festival', 'lunar', 'solarTerm', 'holiday', 'dates'];
export type Every = 'day' | 'weekday' | 'weekend' | 'workday' | 'restday';

export interface TimeDraft {
  mode: 'at' | 'sun' | 'none';
  at: string;
  sun: SunEvent;
  offset: string;
  notBefore: string;
  notAfter: string;
}

export interface PlaylistDraftItem {
  scene: string;
  durationS: string;
}

export interface Draft {
  name: string;
  kind: RuleKind;
  priority: string;
  enabled: boolean;
  compounds: string[];
  areas: string[];
  groups: string[];
  daysMode: DaysMode;
  every: Every;
  weekdays: number[];
  festival: FestivalId;
  rangeFrom: FestivalId;
  rangeTo: FestivalId;
  lunarMonth: string;
  lunarDay: string;
  lunarLeap: boolean;
  solarTerm: SolarTermId;
  holiday: HolidayId;
  dates: string;
  dateFrom: string;
  dateUntil: string;
  start: TimeDraft;
  end: TimeDraft;
  playMode: 'scene' | 'playlist' | 'off';
  scene: string;
  brightness: string;
  items: PlaylistDraftItem[];
  repeat: string;
  shuffle: boolean;
  stop: 'graceful' | 'hard';
  maxPercent: string;
  kwh: string;
}

const time = (mode: TimeDraft['mode'], at = ''): TimeDraft => ({ mode, at, sun: 'sunset', offset: '0', notBefore: '', notAfter: '' });

/** A new nightly rule for `compound`: sunset + 10 min to 22:00 every day, the form's starting point. */
export function newDraft(compound: string | undefined, scene: string): Draft {
  return {
    name: '',
    kind: 'nightly',
    priority: '',
    enabled: true,
    compounds: compound ? [compound] : [],
    areas: [],
    groups: [],
    daysMode: 'every',
    every: 'day',
    weekdays: [1, 2, 3, 4, 5],
    festival: 'yuanxiao',
    rangeFrom: 'chuxi',
    rangeTo: 'yuanxiao',
    lunarMonth: '1',
    lunarDay: '15',
    lunarLeap: false,
    solarTerm: 'qingming',
    holiday: 'spring-festival',
    dates: '',
    dateFrom: '',
    dateUntil: '',
    start: { ...time('sun'), offset: '10' },
    end: time('at', '22:00'),
    playMode: 'scene',
    scene,
    brightness: '80',
    items: [{ scene, durationS: '600' }],
    repeat: 'forever',
    shuffle: false,
    stop: 'graceful',
    maxPercent: '40',
    kwh: '8',
  };
}

const num = (s: string) => (s.trim() === '' ? undefined : Number(s));
const pct = (s: string) => (s.trim() === '' ? undefined : Math.round((Number(s) / 100) * 255));
const toPct = (b: number | undefined) => (b === undefined ? '' : String(Math.round((b / 255) * 100)));

function timeSpec(t: TimeDraft): TimeSpec | undefined {
  if (t.mode === 'none') return undefined;
  if (t.mode === 'at') return { at: t.at };
  const spec: TimeSpec = { sun: t.sun };
  const offset = num(t.offset);
  if (offset !== undefined && offset !== 0) spec.offsetMin = offset;
  if (t.notBefore) spec.notBefore = t.notBefore;
  if (t.notAfter) spec.notAfter = t.notAfter;
  return spec;
}

function fromTimeSpec(spec: TimeSpec | undefined, fallback: TimeDraft): TimeDraft {
  if (!spec) return { ...fallback, mode: 'none' };
  if ('at' in spec) return { ...fallback, mode: 'at', at: spec.at };
  return { ...fallback, mode: 'sun', sun: spec.sun, offset: String(spec.offsetMin ?? 0), notBefore: spec.notBefore ?? '', notAfter: spec.notAfter ?? '' };
}

function days(d: Draft): DaySel | undefined {
  switch (d.daysMode) {
    case 'every':
      return d.every === 'day' ? undefined : { every: d.every };
    case 'weekdays':
      return { weekdays: [...d.weekdays].sort() };
    case 'festival':
      return { festival: d.festival };
    case 'festivalRange':
      return { festivalRange: { from: d.rangeFrom, to: d.rangeTo } };
    case 'lunar':
      return { lunar: { month: Number(d.lunarMonth), day: d.lunarDay === 'last' ? 'last' : Number(d.lunarDay), ...(d.lunarLeap ? { leap: true } : {}) } };
    case 'solarTerm':
      return { solarTerm: d.solarTerm };
    case 'holiday':
      return { holiday: d.holiday };
    case 'dates':
      return { dates: d.dates.split(/[\s,，、]+/).filter(Boolean) };
  }
}

function play(d: Draft): Play {
  if (d.playMode === 'off') return { power: 'off' };
  if (d.playMode === 'playlist') {
    const repeat = d.repeat === 'forever' ? undefined : Number(d.repeat);
    return {
      playlist: {
        items: d.items.map((it) => ({ scene: { name: it.scene }, durationS: Number(it.durationS) })),
        ...(repeat !== undefined ? { repeat } : {}),
        ...(d.shuffle ? { shuffle: true } : {}),
        ...(d.stop === 'hard' ? { stop: 'hard' as const } : {}),
      },
    };
  }
  const brightness = pct(d.brightness);
  return { scene: { name: d.scene }, ...(brightness !== undefined ? { brightness } : {}) };
}

/** The RuleBody of the form: only the parts its kind has. */
export function toBody(d: Draft): RuleBody {
  const target = {
    ...(d.compounds.length ? { compounds: d.compounds } : {}),
    ...(d.areas.length ? { areas: d.areas } : {}),
    ...(d.groups.length && d.compounds.length === 1 && d.areas.length === 0 ? { groups: d.groups } : {}),
  };
  const when: RuleBody['when'] = {};
  const sel = days(d);
  if (sel) when.days = sel;
  if (d.dateFrom) when.from = d.dateFrom;
  if (d.dateUntil) when.until = d.dateUntil;
  const start = timeSpec(d.start);
  if (start) when.start = start;
  const end = timeSpec(d.end);
  if (end) when.end = end;
  const body: RuleBody = { name: d.name, kind: d.kind, target, when };
  if (!d.enabled) body.enabled = false;
  if (!isLimit(d.kind)) {
    const priority = num(d.priority);
    if (priority !== undefined) body.priority = priority;
    body.play = play(d);
  }
  if (d.kind === 'quiet') {
    const max = pct(d.maxPercent);
    if (max !== undefined) body.maxBrightness = max;
  }
  if (d.kind === 'budget') {
    const kwh = num(d.kwh);
    if (kwh !== undefined) body.kwhPerNight = kwh;
  }
  return body;
}

/** The form for an existing rule. */
export function fromRule(rule: RuleView, fallbackScene: string): Draft {
  const d = newDraft(undefined, fallbackScene);
  const sel = rule.when.days;
  const base: Draft = {
    ...d,
    name: rule.name,
    kind: rule.kind,
    priority: rule.priority !== undefined && !isLimit(rule.kind) && rule.priority !== DEFAULT_PRIORITY[rule.kind as keyof typeof DEFAULT_PRIORITY] ? String(rule.priority) : '',
    enabled: rule.enabled !== false,
    compounds: rule.target.compounds ?? [],
    areas: rule.target.areas ?? [],
    groups: rule.target.groups ?? [],
    dateFrom: rule.when.from ?? '',
    dateUntil: rule.when.until ?? '',
    start: fromTimeSpec(rule.when.start, d.start),
    end: fromTimeSpec(rule.when.end, d.end),
    maxPercent: toPct(rule.maxBrightness) || d.maxPercent,
    kwh: rule.kwhPerNight !== undefined ? String(rule.kwhPerNight) : d.kwh,
  };
  if (!sel) Object.assign(base, { daysMode: 'every', every: 'day' });
  else if ('every' in sel) Object.assign(base, { daysMode: 'every', every: sel.every });
  else if ('weekdays' in sel) Object.assign(base, { daysMode: 'weekdays', weekdays: sel.weekdays });
  else if ('festival' in sel) Object.assign(base, { daysMode: 'festival', festival: sel.festival });
  else if ('festivalRange' in sel) Object.assign(base, { daysMode: 'festivalRange', rangeFrom: sel.festivalRange.from, rangeTo: sel.festivalRange.to });
  else if ('lunar' in sel) Object.assign(base, { daysMode: 'lunar', lunarMonth: String(sel.lunar.month), lunarDay: String(sel.lunar.day), lunarLeap: !!sel.lunar.leap });
  else if ('solarTerm' in sel) Object.assign(base, { daysMode: 'solarTerm', solarTerm: sel.solarTerm });
  else if ('holiday' in sel) Object.assign(base, { daysMode: 'holiday', holiday: sel.holiday });
  else if ('dates' in sel) Object.assign(base, { daysMode: 'dates', dates: sel.dates.join(', ') });
  const p = rule.play;
  if (p && 'power' in p) base.playMode = 'off';
  else if (p && 'playlist' in p) {
    base.playMode = 'playlist';
    base.items = p.playlist.items.map((it) => ({ scene: it.scene.name, durationS: String(it.durationS) }));
    base.repeat = p.playlist.repeat === undefined || p.playlist.repeat === 'forever' ? 'forever' : String(p.playlist.repeat);
    base.shuffle = !!p.playlist.shuffle;
    base.stop = p.playlist.stop ?? 'graceful';
  } else if (p && 'scene' in p) {
    base.playMode = 'scene';
    base.scene = p.scene.name;
    base.brightness = toPct(p.brightness);
  }
  return base;
}

/** JSON pointer (prefix) → the id of the form field that shows its problem. */
export const FIELD_OF_PATH: Readonly<Record<string, string>> = {
  '/name': 'rule-name',
  '/kind': 'rule-kind',
  '/priority': 'rule-priority',
  '/enabled': 'rule-enabled',
  '/target': 'rule-target',
  '/target/groups': 'rule-groups',
  '/when': 'rule-days',
  '/when/days': 'rule-days',
  '/when/days/lunar/month': 'rule-lunar-month',
  '/when/days/lunar/day': 'rule-lunar-day',
  '/when/days/dates': 'rule-dates',
  '/when/from': 'rule-from',
  '/when/until': 'rule-until',
  '/when/start': 'rule-start-mode',
  '/when/start/at': 'rule-start-at',
  '/when/start/sun': 'rule-start-sun',
  '/when/start/offsetMin': 'rule-start-offset',
  '/when/start/notBefore': 'rule-start-notbefore',
  '/when/start/notAfter': 'rule-start-notafter',
  '/when/end': 'rule-end-mode',
  '/when/end/at': 'rule-end-at',
  '/when/end/sun': 'rule-end-sun',
  '/when/end/offsetMin': 'rule-end-offset',
  '/when/end/notBefore': 'rule-end-notbefore',
  '/when/end/notAfter': 'rule-end-notafter',
  '/play': 'rule-play',
  '/play/scene': 'rule-scene',
  '/play/brightness': 'rule-brightness',
  '/play/playlist': 'rule-playlist',
  '/maxBrightness': 'rule-max',
  '/kwhPerNight': 'rule-kwh',
};
