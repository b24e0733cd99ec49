import type { CompoundSummary } from '../data/live';
import { useI18n } from '../i18n';

type Totals = Omit<CompoundSummary, 'id'>;

/** The few numbers the committee looks at first. `compounds` is omitted on a compound's own page. */
export function KpiStrip({ totals, compounds }: { totals: Totals; compounds?: number }) {
  const i = useI18n();
  return (
    <dl class="kpis">
      {compounds !== undefined && <Kpi name="compounds" label={i.t('kpi.compounds')} value={String(compounds)} />}
      <Kpi name="groups" label={i.t('kpi.groupsOnline')} value={`${totals.groupsOnline}`} total={totals.groups} />
      <Kpi name="kiosks" label={i.t('kpi.kiosksOnline')} value={`${totals.kiosksOnline}`} total={totals.kiosks} />
      <Kpi name="faults" label={i.t('kpi.faults')} value={String(totals.faults)} alert={totals.faults > 0} />
      <Kpi name="watts" label={i.t('kpi.watts')} value={i.watts(totals.watts)} accent />
    </dl>
  );
}

function Kpi(props: { name: string; label: string; value: string; total?: number; alert?: boolean; accent?: boolean }) {
  const cls = ['kpi', props.alert ? 'kpi--alert' : '', props.accent ? 'kpi--accent' : ''].filter(Boolean).join(' ');
  return (
    <div class={cls} data-kpi={props.name}>
      <dt>{props.label}</dt>
      <dd>
        {props.value}
        {props.total !== undefined && <span class="kpi__total">/{props.total}</span>}
      </dd>
    </div>
  );
}
