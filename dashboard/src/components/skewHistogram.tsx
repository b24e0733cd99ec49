/**
 * How closely the compound's last show started on every group: its p50/p95/p99/max start skew from
 * GET /api/sync and a small histogram of the groups' skews (inline SVG, each bar labelled with its
 * count, the numbers also as text). Fetched once a group has reported a start skew, again on each new one,
 * every 30 s and when the schedule changes.
 */
import { useEffect, useState } from 'preact/hooks';
import { fetchSync, scheduleRevision, type SyncReport } from '../data/schedule';
import { useI18n } from '../i18n';
import { useStore } from '../lib/store';
import { lastShow, skewBins } from '../views/schedule/layout';

/** A percentile of |skew| ('4 ms'), or a dash before any group reported. */
const abs = (ms: number | null) => (ms === null ? '–' : `${Math.round(ms)} ms`);

/**
 * `reports` changes whenever a group of the compound reports a new start skew (the live `skewMs`): the
 * report is fetched then, and not at all before the first one (nothing to show, and a controller without
 * the sync monitor has no such route).
 */
export function SkewHistogram({ compound, reports }: { compound: string; reports: string }) {
  const i = useI18n();
  const revision = useStore(scheduleRevision);
  const [report, setReport] = useState<SyncReport | null>(null);
  useEffect(() => {
    if (!reports) return;
    const abort = new AbortController();
    const load = () => fetchSync(compound, abort.signal).then(setReport, () => undefined /* no sync monitor on this controller */);
    void load();
    const timer = setInterval(load, 30_000);
    return () => {
      abort.abort();
      clearInterval(timer);
    };
  }, [compound, revision, reports]);
  const last = report ? lastShow(report, compound) : null;
  if (!last) return null;
  const bins = skewBins(last.skews);
  const peak = Math.max(1, ...bins.map((b) => b.count));
  const W = 300;
  const H = 90;
  const barW = bins.length > 0 ? W / bins.length : W;
  return (
    <section class="panel skew" aria-labelledby="skew-title" data-testid="skew">
      <h2 id="skew-title" class="panel__title">{i.t('skew.title')}</h2>
      <p class="small" data-testid="skew-summary">
        {i.t('skew.summary', {
          at: i.stamp(last.show.startAt),
          reported: last.show.reported,
          groups: last.show.groups,
          p50: abs(last.show.p50),
          p95: abs(last.show.p95),
          p99: abs(last.show.p99),
          max: abs(last.show.max),
        })}
      </p>
      {bins.length > 0 && (
        <svg class="skew__chart" viewBox={`0 0 ${W} ${H + 16}`} role="img" aria-label={i.t('skew.chartLabel', { bins: bins.map((b) => `${b.from}…${b.to} ms: ${b.count}`).join(', ') })}>
          {bins.map((b, n) => {
            const h = (b.count / peak) * (H - 14);
            return (
              <g key={b.from}>
                <rect class="skew__bar" x={n * barW + 1} y={H - h} width={Math.max(1, barW - 2)} height={h} />
                {b.count > 0 && (
                  <text class="skew__count" x={n * barW + barW / 2} y={H - h - 3} text-anchor="middle">
                    {b.count}
                  </text>
                )}
                <text class="skew__tick" x={n * barW + 1} y={H + 12}>
                  {b.from}
                </text>
              </g>
            );
          })}
        </svg>
      )}
      <p class="muted small">{i.t('skew.axis')}</p>
    </section>
  );
}
