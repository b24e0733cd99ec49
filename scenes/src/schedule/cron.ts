/**
 * Cron expressions in node-cron's syntax (5 fields, or 6 with seconds first), expanded into times of a
 * civil day. The controller's node-cron only fires callbacks; a plan needs the occurrences, so they are
 * expanded here. Matching follows node-cron: every field must match (day-of-month AND day-of-week).
 * Supported: numbers, `*`, `?`, ranges, steps, lists, month and weekday names, 0 or 7 = Sunday and the
 * @daily-style nicknames; node-cron's L / W / # extensions are refused with a message.
 */

export interface CronSpec {
  seconds: number[];
  minutes: number[];
  hours: number[];
  daysOfMonth: Set<number>;
  months: Set<number>;
  /** 0 = Sunday … 6 = Saturday */
  weekdays: Set<number>;
}

const NICKNAMES: Record<string, string> = {
  '@yearly': '0 0 1 1 *', '@annually': '0 0 1 1 *', '@monthly': '0 0 1 * *', '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *', '@midnight': '0 0 * * *', '@hourly': '0 * * * *',
};
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const FIELDS = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day of week', min: 0, max: 7 },
] as const;

/** Parses an expression; throws an Error with a readable message when it is not valid. */
export function parseCron(expression: string): CronSpec {
  const text = NICKNAMES[expression.trim().toLowerCase()] ?? expression;
  let parts = text.trim().split(/\s+/);
  if (parts.length === 5) parts = ['0', ...parts];
  if (parts.length !== 6) throw new Error(`must have 5 fields (minute hour day month weekday) or 6 with seconds first; got ${parts.length}`);
  const sets = parts.map((p, i) => parseField(p, i));
  const weekdays = new Set([...sets[5]!].map((d) => d % 7));
  if (sets[0]!.length > 1) throw new Error('the seconds field must name one second: a schedule changes at most once a minute');
  return {
    seconds: sets[0]!,
    minutes: sets[1]!,
    hours: sets[2]!,
    daysOfMonth: new Set(sets[3]),
    months: new Set(sets[4]),
    weekdays,
  };
}

/** null when valid, else the reason. */
export function checkCron(expression: string): string | null {
  try {
    parseCron(expression);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

function parseField(raw: string, index: number): number[] {
  const f = FIELDS[index]!;
  let text = raw.toLowerCase();
  if (text === '?' && (index === 3 || index === 5)) text = '*';
  if (index === 4) MONTHS.forEach((m, i) => (text = text.replace(new RegExp(`${m}[a-z]*`, 'g'), String(i + 1))));
  if (index === 5) WEEKDAYS.forEach((d, i) => (text = text.replace(new RegExp(`${d}[a-z]*`, 'g'), String(i))));
  if (/[lw#]/.test(text)) throw new Error(`${f.name}: L, W and # are not supported in schedule rules`);
  const out = new Set<number>();
  for (const token of text.split(',')) {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(token);
    if (!m) throw new Error(`${f.name}: '${raw}' is not a number, range, list or step`);
    const step = m[4] !== undefined ? Number(m[4]) : 1;
    if (step < 1) throw new Error(`${f.name}: step must be at least 1`);
    let lo: number;
    let hi: number;
    if (m[1] === '*') {
      lo = f.min;
      hi = index === 5 ? 6 : f.max;
    } else {
      lo = Number(m[2]);
      hi = m[3] !== undefined ? Number(m[3]) : m[4] !== undefined ? f.max : lo;
    }
    if (lo < f.min || lo > f.max || hi < f.min || hi > f.max) throw new Error(`${f.name}: values must be ${f.min}-${f.max}`);
    if (hi >= lo) for (let v = lo; v <= hi; v += step) out.add(v);
    else {
      // A range that wraps (22-2 = 22, 23, 0, 1, 2), as node-cron reads it.
      const max = index === 5 ? 6 : f.max;
      const size = max - f.min + 1;
      const span = (((hi - lo) % size) + size) % size;
      for (let k = 0; k <= span; k += step) out.add(lo + k > max ? lo + k - size : lo + k);
    }
  }
  return [...out].sort((a, b) => a - b);
}

/** Whether the spec fires on a civil day (month 1-12, weekday 0 = Sunday). */
export function cronMatchesDay(spec: CronSpec, month: number, dayOfMonth: number, weekday0: number): boolean {
  return spec.months.has(month) && spec.daysOfMonth.has(dayOfMonth) && spec.weekdays.has(weekday0);
}

/** Minutes after midnight (fractional when seconds ≠ 0) at which the spec fires on a matching day. */
export function cronTimesOfDay(spec: CronSpec): number[] {
  const out: number[] = [];
  const sec = spec.seconds[0] ?? 0;
  for (const h of spec.hours) for (const m of spec.minutes) out.push(h * 60 + m + sec / 60);
  return out;
}
