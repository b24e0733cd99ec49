/**
 * History charts (uPlot) of the county or of one compound, from the controller's metrics store: power and
 * online share over the last 24 hours, energy per night of the festival season, and kiosk presses per hour
 * by button (the satisfaction index itself is on the feedback page).
 */
import { useEffect, useState } from 'preact/hooks';
import type { KioskButton } from '@caideng/protocol';
import { fetchHistory, fetchSeasonEnergy, type EnergyAnswer } from '../data/metrics';
import { useI18n } from '../i18n';
import { UplotChart } from './uplotChart';

const DAY = 86_400_000;
const REFRESH_MS = 5 * 60_000;
const BUTTON_COLORS: Record<KioskButton, string> = {
  satisfied: '#5cc98a',
  unsatisfied: '#e0605a',
  too_bright: '#f2c14e',
  too_late: '#b18cf0',
  broken_lantern: '#ef8a3c',
  help: '#5aa9e6',
};
/** Local, not the protocol's list: the dashboard imports only types from `protocol` (no TypeBox in the bundle). */
const KIOSK_BUTTONS = Object.keys(BUTTON_COLORS) as KioskButton[];

interface Loaded {
  from: number;
  to: number;
  power: Array<[number, number]>;
  online: Array<[number, number]>;
  presses: Record<KioskButton, Array<[number, number]>>;
  season: (EnergyAnswer & { season: number }) | null;
}

/** Evening's date → noon of that day, China time, for the bar's position. */
const nightTs = (night: string) => {
  const [y, m, d] = night.split('-').map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d, 12 - 8);
};

export function HistoryPanel({ compound }: { compound?: string }) {
  const i = useI18n();
  const [data, setData] = useState<Loaded | null>(null);

  useEffect(() => {
    const aborter = new AbortController();
    const { signal } = aborter;
    const load = async () => {
      const to = Date.now();
      const from = to - DAY;
      const scope = compound === undefined ? {} : { compound };
      const [power, online, season, ...presses] = await Promise.all([
        fetchHistory({ series: 'power', ...scope, from, to }, signal),
        fetchHistory({ series: 'online', ...scope, from, to }, signal),
        fetchSeasonEnergy(compound, to, signal).catch(() => null),
        ...KIOSK_BUTTONS.map((button) => fetchHistory({ series: 'satisfaction', ...scope, button, from, to, level: 'hour' }, signal)),
      ]);
      if (signal.aborted) return;
      setData({
        from,
        to,
        power: power.points,
        online: online.points,
        season,
        presses: Object.fromEntries(KIOSK_BUTTONS.map((b, k) => [b, presses[k]!.points])) as Loaded['presses'],
      });
    };
    const run = () => void load().catch(() => undefined);
    run();
    const timer = setInterval(run, REFRESH_MS);
    return () => {
      aborter.abort();
      clearInterval(timer);
    };
  }, [compound]);

  const empty = i.t('history.empty');
  // Every hour of the day, so hours without a press read as 0 rather than a gap.
  const hours = data && Object.values(data.presses).some((p) => p.length > 0) ? hourGrid(data.from, data.to) : [];
  const day = data ? ([data.from, data.to] as const) : undefined;
  const nights = data?.season?.byNight ?? [];
  return (
    <section class="panel history" aria-labelledby="history-title" data-testid="history">
      <h2 id="history-title" class="panel__title">{i.t('history.title')}</h2>
      <div class="history__grid">
        <UplotChart
          testId="history-power"
          title={i.t('history.power')}
          times={data?.power.map(([t]) => t) ?? []}
          series={[{ label: i.t('kpi.watts'), color: '#f2c14e', values: data?.power.map(([, v]) => v) ?? [] }]}
          format={(v) => i.watts(v)}
          empty={empty}
          {...(day ? { xRange: day } : {})}
        />
        <UplotChart
          testId="energy-chart"
          title={i.t('history.energy', { year: data?.season?.season ?? '' })}
          kind="bars"
          times={nights.map((n) => nightTs(n.night))}
          series={[{ label: 'kWh', color: '#ef8a3c', values: nights.map((n) => n.kWh) }]}
          format={(v) => `${Math.round(v * 10) / 10} kWh`}
          empty={empty}
          {...(data?.season ? { note: i.t('history.energyTotal', { kWh: data.season.kWh.toFixed(1), cost: data.season.cost.toFixed(2), currency: data.season.currency }) } : {})}
        />
        <UplotChart
          testId="satisfaction-chart"
          title={i.t('history.satisfaction')}
          times={hours}
          series={KIOSK_BUTTONS.map((b) => ({ label: i.t(`button.${b}`), color: BUTTON_COLORS[b], values: valuesAt(hours, data?.presses[b] ?? []) }))}
          format={(v) => (Number.isInteger(v) ? String(v) : '')}
          empty={empty}
          note={i.t('history.satisfactionNote')}
        />
        <UplotChart
          testId="online-chart"
          title={i.t('history.online')}
          times={data?.online.map(([t]) => t) ?? []}
          series={[{ label: i.t('kpi.groupsOnline'), color: '#5cc98a', values: data?.online.map(([, v]) => v * 100) ?? [] }]}
          format={(v) => `${Math.round(v)}%`}
          empty={empty}
          {...(day ? { xRange: day } : {})}
        />
      </div>
    </section>
  );
}

function hourGrid(from: number, to: number): number[] {
  const out: number[] = [];
  for (let t = Math.floor(from / 3_600_000) * 3_600_000; t < to; t += 3_600_000) out.push(t);
  return out;
}

function valuesAt(times: readonly number[], points: ReadonlyArray<readonly [number, number]>): Array<number | null> {
  const m = new Map(points);
  return times.map((t) => m.get(t) ?? 0);
}
