/**
 * A time-series chart drawn by uPlot (canvas): lines or bars, one or more series over shared times.
 * The chart is made once per mount and fed new data with setData; it follows its container's width.
 * `data-series` and `data-points` on the figure say what is drawn (tests read them).
 */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  color: string;
  /** One value per time; null where there is none. */
  values: ReadonlyArray<number | null>;
}

export interface UplotChartProps {
  testId: string;
  title: string;
  /** Epoch ms, ascending. */
  times: readonly number[];
  series: readonly ChartSeries[];
  kind?: 'line' | 'bars';
  /** Formats a value for the axis and the legend. */
  format: (v: number) => string;
  /** Shown instead of the chart when there is nothing to draw. */
  empty: string;
  note?: string;
  height?: number;
  /** The x range to show (epoch ms); default the data's, padded by half a step for bars. */
  xRange?: readonly [number, number];
}

const TIME_ZONE_OFFSET_S = 8 * 3600;

export function UplotChart(props: UplotChartProps) {
  const { testId, title, times, series, kind = 'line', format, empty, note, height = 180, xRange } = props;
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = `${kind}:${series.map((s) => s.label).join('|')}`;
  const points = times.length;

  useEffect(() => {
    const el = host.current;
    if (!el || points === 0) return;
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      // People read Beijing time whatever the browser's zone: shift the axis by UTC+8 and label it as UTC.
      tzDate: (ts) => uPlot.tzDate(new Date((ts + TIME_ZONE_OFFSET_S) * 1000), 'Etc/UTC'),
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: {
          time: true,
          range: (u, min, max) => {
            if (xRange) return [xRange[0] / 1000, xRange[1] / 1000];
            const xs = u.data[0];
            const step = xs.length > 1 ? (xs[xs.length - 1]! - xs[0]!) / (xs.length - 1) : 3600;
            return kind === 'bars' ? [min - step / 2, max + step / 2] : [min, max > min ? max : min + step];
          },
        },
        y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
      },
      axes: [{ stroke: '#9aa3b5', grid: { stroke: 'rgba(255,255,255,.06)' } }, { stroke: '#9aa3b5', grid: { stroke: 'rgba(255,255,255,.06)' }, size: 60, values: (_u, vals) => vals.map(format) }],
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          fill: kind === 'bars' ? s.color : `${s.color}33`,
          width: kind === 'bars' ? 0 : 1.5,
          value: (_u: uPlot, v: number | null) => (v === null ? '–' : format(v)),
          ...(kind === 'bars' ? { paths: uPlot.paths.bars!({ size: [0.7, 40] }), points: { show: false } } : { points: { show: false } }),
        })),
      ],
    };
    const u = new uPlot(opts, toData(times, series), el);
    plot.current = u;
    const resize = new ResizeObserver(() => u.setSize({ width: Math.max(200, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
    // Remade when the series change shape or the chart appears; new values go through setData below.
  }, [shape, points === 0, height, xRange?.[0], xRange?.[1]]);

  useEffect(() => {
    plot.current?.setData(toData(times, series));
  }, [times, series]);

  return (
    <figure class="chart uchart" data-testid={testId} data-series={series.length} data-points={points}>
      <figcaption class="chart__head">
        <span class="chart__title">{title}</span>
      </figcaption>
      {points === 0 ? <p class="muted uchart__empty">{empty}</p> : <div class="uchart__plot" ref={host} />}
      {note && <p class="muted small uchart__note">{note}</p>}
    </figure>
  );
}

function toData(times: readonly number[], series: readonly ChartSeries[]): uPlot.AlignedData {
  return [times.map((t) => t / 1000), ...series.map((s) => s.values.slice() as Array<number | null>)];
}
