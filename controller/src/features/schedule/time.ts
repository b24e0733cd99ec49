/** Times for people: Asia/Shanghai (or the configured zone), in messages and calendars. */

const formats = new Map<string, Intl.DateTimeFormat>();

/** 'YYYY-MM-DD HH:MM' in `tz`. */
export function localTime(ms: number, tz: string): string {
  let f = formats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formats.set(tz, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}
