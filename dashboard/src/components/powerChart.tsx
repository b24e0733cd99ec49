/**
 * A live line of power over the last minutes, drawn as inline SVG (no chart library: one path and an
 * area). The path lives in a stretched viewBox; labels are HTML so text never distorts.
 */
import { useI18n } from '../i18n';

export interface Point {
  ts: number;
  watts: number;
}

const W = 600;
const H = 100;
/** A longer silence than this (a reconnect) breaks the line instead of bridging it; stored history comes in 10 s steps. */
const GAP_MS = 25_000;

/** The x-axis grows with the history, from a minute up to `maxWindowMs`, so a fresh page shows a line, not a spike. */
const MIN_WINDOW_MS = 60_000;

export function PowerChart(props: { titleKey: 'chart.county' | 'chart.compound'; points: readonly Point[]; maxWindowMs: number }) {
  const { titleKey, points, maxWindowMs } = props;
  const i = useI18n();
  const first = points[0];
  const last = points[points.length - 1];
  const end = last?.ts ?? 0;
  const windowMs = Math.min(maxWindowMs, Math.max(MIN_WINDOW_MS, end - (first?.ts ?? end)));
  const start = end - windowMs;
  const max = niceCeiling(Math.max(1, ...points.map((p) => p.watts)) * 1.15);
  const x = (ts: number) => ((ts - start) / windowMs) * W;
  const y = (w: number) => H - (w / max) * H;

  let line = '';
  let area = '';
  let run: Point[] = [];
  const flush = () => {
    if (run.length === 0) return;
    const d = run.map((p, k) => `${k === 0 ? 'M' : 'L'}${x(p.ts).toFixed(1)},${y(p.watts).toFixed(1)}`).join('');
    line += d;
    area += `${d}L${x(run[run.length - 1]!.ts).toFixed(1)},${H}L${x(run[0]!.ts).toFixed(1)},${H}Z`;
    run = [];
  };
  for (const p of points) {
    const prev = run[run.length - 1];
    if (prev && p.ts - prev.ts > GAP_MS) flush();
    run.push(p);
  }
  flush();

  return (
    <figure class="chart" data-testid="power-chart" data-points={points.length}>
      <figcaption class="chart__head">
        <span class="chart__title">{i.t(titleKey, { min: Math.round(windowMs / 60_000) })}</span>
        <span class="chart__now" data-testid="power-now">{last ? i.watts(last.watts) : ''}</span>
      </figcaption>
      <div class="chart__plot">
        <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-label={last ? i.t('chart.label', { watts: i.watts(last.watts) }) : i.t('chart.waiting')}>
          <defs>
            <linearGradient id="chart-fill" x1="0" y1="0" x2="0" y2="1">
              <stop offset="0" stop-color="#f2c14e" stop-opacity=".45" />
              <stop offset="1" stop-color="#f2c14e" stop-opacity="0" />
            </linearGradient>
          </defs>
          {[0.25, 0.5, 0.75].map((f) => (
            <line class="chart__grid" x1="0" x2={W} y1={H * f} y2={H * f} vector-effect="non-scaling-stroke" />
          ))}
          <path d={area} fill="url(#chart-fill)" stroke="none" />
          <path class="chart__line" d={line} fill="none" vector-effect="non-scaling-stroke" />
        </svg>
        {last && <span class="chart__dot" style={{ left: '100%', top: `${(y(last.watts) / H) * 100}%` }} aria-hidden="true" />}
        <span class="chart__max" aria-hidden="true">{i.watts(max)}</span>
        {!last && <span class="chart__waiting">{i.t('chart.waiting')}</span>}
      </div>
      <div class="chart__axis" aria-hidden="true">
        <span>{last ? i.time(start).slice(0, 5) : ''}</span>
        <span>{last ? i.time(end).slice(0, 5) : ''}</span>
      </div>
    </figure>
  );
}

/** 1, 2, 5 × 10^n at or above `v`, so the scale reads as round numbers. */
function niceCeiling(v: number): number {
  const exp = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * exp >= v) return m * exp;
  return 10 * exp;
}
