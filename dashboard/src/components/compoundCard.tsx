import type { CompoundInfo, County } from '../data/county';
import { deviceKey, groupCondition, type CompoundSummary, type DeviceStatus } from '../data/live';
import { useSceneTitle } from '../data/scenes';
import { useI18n } from '../i18n';
import { href } from '../lib/router';
import type { CompoundFeedback } from './feedbackSummary';
import { GroupTile } from './groupTile';

/** A compound on the county overview: where it is, its numbers, and its lantern groups at a glance. */
export function CompoundCard(props: {
  county: County;
  compound: CompoundInfo;
  summary: CompoundSummary | undefined;
  devices: ReadonlyMap<string, DeviceStatus>;
  /** Residents' feedback: the index over the last day, open and escalated tickets. */
  feedback?: CompoundFeedback;
}) {
  const { county, compound, summary, devices, feedback } = props;
  const i = useI18n();
  const sceneTitle = useSceneTitle();
  const faults = summary?.faults ?? 0;
  const allDark = summary !== undefined && summary.groups > 0 && summary.groupsOnline === 0;
  const groups = compound.groups.map((g) => ({ group: g, status: devices.get(deviceKey(compound.id, 'group', g.id)) }));
  // In words, only what needs a person: faults by name, and the scenes playing now.
  const faulty = groups.filter((x) => groupCondition(x.status) === 'fault');
  const scenes = [...new Set(groups.flatMap((x) => (groupCondition(x.status) === 'online' && x.status?.state?.power === 'on' && x.status.state.scene ? [x.status.state.scene.name] : [])))];
  return (
    <article class={`card${faults > 0 ? ' card--fault' : ''}${allDark ? ' card--dark' : ''}`} data-compound={compound.id}>
      <header class="card__head">
        <h3 class="card__name">
          <a href={href({ view: 'compound', compound: compound.id })} aria-label={i.t('compound.open', { name: i.name(compound) })}>
            {i.name(compound)}
          </a>
        </h3>
        <p class="card__area">
          {i.name(county.area(compound.street), compound.street)} · {i.name(county.area(compound.community), compound.community)}
        </p>
      </header>
      <dl class="card__stats">
        <Stat name="groups" label={i.t('kpi.groupsOnline')} value={`${summary?.groupsOnline ?? 0}/${summary?.groups ?? compound.groups.length}`} />
        <Stat name="kiosks" label={i.t('kpi.kiosksOnline')} value={`${summary?.kiosksOnline ?? 0}/${summary?.kiosks ?? compound.kiosks.length}`} />
        <Stat name="faults" label={i.t('kpi.faults')} value={String(faults)} alert={faults > 0} />
        <Stat name="watts" label={i.t('kpi.watts')} value={i.watts(summary?.watts ?? 0)} />
        {feedback && (
          <>
            <Stat
              name="index"
              label={i.t('kpi.index')}
              value={!feedback.index ? '–' : feedback.index.index === null ? i.t('index.tooFew') : String(feedback.index.index)}
            />
            <Stat name="tickets" label={i.t('kpi.tickets')} value={`${feedback.open} / ${feedback.escalated}`} alert={feedback.escalated > 0} />
          </>
        )}
      </dl>
      <ul class="tiles">
        {groups.map(({ group, status }) => (
          <GroupTile key={group.id} compound={compound.id} group={group} status={status} />
        ))}
      </ul>
      {(faulty.length > 0 || scenes.length > 0) && (
        <ul class="card__notes">
          {faulty.slice(0, MAX_NOTES).map(({ group, status }) => (
            <li key={group.id} class="card__note card__note--fault" data-fault={`${compound.id}/group/${group.id}`}>
              {i.t('compound.faultNote', { group: i.name(group), faults: i.list((status?.faults ?? []).map((f) => i.t(`fault.${f}`))) })}
            </li>
          ))}
          {faulty.length > MAX_NOTES && <li class="card__note card__note--fault">{i.t('compound.moreFaults', { n: faulty.length - MAX_NOTES })}</li>}
          {scenes.length > 0 && (
            <li class="card__note" data-scenes>
              {i.t('compound.playing', { scenes: i.list(scenes.slice(0, MAX_NOTES).map(sceneTitle)) + (scenes.length > MAX_NOTES ? '…' : '') })}
            </li>
          )}
        </ul>
      )}
    </article>
  );
}

const MAX_NOTES = 3;

function Stat({ name, label, value, alert }: { name: string; label: string; value: string; alert?: boolean }) {
  return (
    <div class={`stat${alert ? ' stat--alert' : ''}`} data-stat={name}>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}
