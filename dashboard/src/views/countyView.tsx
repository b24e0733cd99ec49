/** The county overview: totals, power over the last minutes, the feedback feed, and every compound. */
import { CompoundCard } from '../components/compoundCard';
import { HistoryPanel } from '../components/historyPanel';
import { KpiStrip } from '../components/kpiStrip';
import { PowerChart } from '../components/powerChart';
import { PressFeed } from '../components/pressFeed';
import type { County } from '../data/county';
import { HISTORY_WINDOW_MS, powerHistory, subscribePowerHistory } from '../data/history';
import { live, totals } from '../data/live';
import { presses, subscribePresses } from '../data/presses';
import { useI18n } from '../i18n';
import { useStore, useSubscription } from '../lib/store';
import { useDocumentTitle } from './title';
import { useCompoundFeedback } from '../components/feedbackSummary';
import { MeasureTable } from './feedback/feedbackView';

export function CountyView({ county }: { county: County }) {
  useSubscription(subscribePowerHistory);
  useSubscription(subscribePresses);
  const i = useI18n();
  const state = useStore(live);
  const history = useStore(powerHistory);
  const feed = useStore(presses);
  const feedbackOf = useCompoundFeedback();
  useDocumentTitle(i.name(county.info.county));
  // The registry and the pushes are narrowed to the user's scope by the controller; the totals add up
  // exactly the compounds shown, so they always match the cards below.
  const shown = county.compounds.flatMap((c) => state.summaries.get(c.id) ?? []);

  return (
    <>
      <section class="overview">
        <div class="panel overview__main">
          <KpiStrip totals={totals(shown)} compounds={county.compounds.length} />
          <PowerChart
            titleKey="chart.county"
            points={history.map((s) => ({ ts: s.ts, watts: s.total }))}
            maxWindowMs={HISTORY_WINDOW_MS}
          />
        </div>
        <PressFeed presses={feed} county={county} />
      </section>

      <HistoryPanel />
      <section aria-labelledby="compounds-title">
        <h2 id="compounds-title" class="section-title">{i.t('county.compounds')}</h2>
        {county.compounds.length === 0 && <p class="panel muted" data-testid="no-compounds">{i.t('county.none')}</p>}
        <div class="cards" data-testid="compounds">
          {county.compounds.map((c) => (
            <CompoundCard key={c.id} county={county} compound={c} summary={state.summaries.get(c.id)} devices={state.devices} feedback={feedbackOf(c.id)} />
          ))}
        </div>
      </section>
      <MeasureTable county={county} compact />
    </>
  );
}
