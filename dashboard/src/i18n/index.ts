/**
 * i18n: zh-CN by default, English on request; the choice is remembered in localStorage. Registry names
 * (compounds, lantern groups, kiosks, areas) are data, not messages: `name()` picks `nameEn` in English
 * and falls back to the Chinese `name`; scene titles (`title()`) carry both languages and fall back either way.
 */
import type { NamedNode } from '@caideng/protocol';
import { useStore, writable } from '../lib/store';
import { en } from './en';
import { zhCN, type MessageKey } from './zhCN';

export type { MessageKey };
export type Locale = 'zh-CN' | 'en';

const STORAGE_KEY = 'caideng.locale';
const DICTIONARIES: Record<Locale, Record<MessageKey, string>> = { 'zh-CN': zhCN, en };
/** People read local time (Asia/Shanghai) whatever the browser's zone. */
const TIME_ZONE = 'Asia/Shanghai';

function initialLocale(): Locale {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved === 'en' || saved === 'zh-CN') return saved;
  } catch {
    // Storage may be disabled (private mode); the default is fine.
  }
  return 'zh-CN';
}

export const locale = writable<Locale>(initialLocale());

export function setLocale(next: Locale): void {
  locale.set(next);
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // Not remembered, still switched.
  }
}

locale.subscribe(applyDocumentLocale);
applyDocumentLocale(locale.get());
function applyDocumentLocale(l: Locale): void {
  document.documentElement.lang = l;
}

export interface I18n {
  locale: Locale;
  t(key: MessageKey, params?: Record<string, string | number>): string;
  /** Display name of a registry node in the current language. */
  name(node: NamedNode | undefined, fallback?: string): string;
  /** A `{ zh, en }` title (scenes) in the current language, else the other one, else `fallback`. */
  title(title: { zh?: string; en?: string } | undefined, fallback: string): string;
  /** Joins items with the language's list separator (、 in Chinese). */
  list(items: readonly string[]): string;
  watts(w: number | undefined): string;
  percent(brightness: number): string;
  time(ms: number | undefined): string;
  dateTime(ms: number | undefined): string;
  /** Date and time always (logs, tables of past events). */
  stamp(ms: number): string;
}

const cache = new Map<Locale, I18n>();

export function i18nFor(l: Locale): I18n {
  let i = cache.get(l);
  if (i) return i;
  const dict = DICTIONARIES[l];
  const num1 = new Intl.NumberFormat(l, { maximumFractionDigits: 1 });
  const num2 = new Intl.NumberFormat(l, { maximumFractionDigits: 2 });
  const timeFmt = new Intl.DateTimeFormat(l, { timeZone: TIME_ZONE, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
  const dateTimeFmt = new Intl.DateTimeFormat(l, {
    timeZone: TIME_ZONE,
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
  i = {
    locale: l,
    t(key, params) {
      const text = dict[key];
      if (!params) return text;
      return text.replace(/\{(\w+)\}/g, (m, p: string) => (p in params ? String(params[p]) : m));
    },
    name(node, fallback = '') {
      if (!node) return fallback;
      return (l === 'en' && node.nameEn) || node.name;
    },
    title(title, fallback) {
      if (!title) return fallback;
      return (l === 'en' ? title.en || title.zh : title.zh || title.en) || fallback;
    },
    list(items) {
      return items.join(dict['list.sep']);
    },
    watts(w) {
      if (w === undefined) return '–';
      return w >= 10_000 ? `${num2.format(w / 1000)} kW` : `${num1.format(w)} W`;
    },
    percent(brightness) {
      return `${Math.round((brightness / 255) * 100)}%`;
    },
    time(ms) {
      return ms === undefined ? dict['group.never'] : timeFmt.format(ms);
    },
    dateTime(ms) {
      if (ms === undefined) return dict['group.never'];
      // Today's events need no date.
      return Date.now() - ms < 12 * 3600_000 ? timeFmt.format(ms) : dateTimeFmt.format(ms);
    },
    stamp(ms) {
      return dateTimeFmt.format(ms);
    },
  };
  cache.set(l, i);
  return i;
}

/** The current language's helpers; re-renders the component when the language changes. */
export function useI18n(): I18n {
  return i18nFor(useStore(locale));
}
