/**
 * Play controls for a whole compound, for users who may operate it: a scene now (until changed, or for
 * N minutes), a brightness, switch off. The answer of the command shows how many groups acked; the
 * table below follows the groups' new state live. With a number of minutes, each of them is the
 * scheduler's override instead (POST …/override): it ends by itself and the compound returns to its
 * programme; the overrides running now are listed with a button to end one early.
 */
import { useEffect, useState } from 'preact/hooks';
import type { CompoundInfo } from '../data/county';
import { ApiError } from '../data/api';
import { outcome, sendCompoundCommand, type CommandBody, type CommandRecord } from '../data/commands';
import { bumpSchedule, endOverride, fetchOverrides, scheduleRevision, startOverride, type OverrideView } from '../data/schedule';
import { scenes } from '../data/scenes';
import { useI18n } from '../i18n';
import { useStore } from '../lib/store';
import { FieldRow } from './field';

type Result = { kind: 'record'; what: string; record: CommandRecord } | { kind: 'timed'; what: string; until: number } | { kind: 'error'; what: string; message: string };

/** The override route's bounds (minutes). */
const MAX_MINUTES = 720;

export function PlayControls({ compound }: { compound: CompoundInfo }) {
  const i = useI18n();
  const library = useStore(scenes);
  const list = library.status === 'ready' ? library.library.scenes : [];
  const [scene, setScene] = useState('');
  const [minutes, setMinutes] = useState(0);
  const [percent, setPercent] = useState(80);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<Result | null>(null);
  const chosen = scene || list[0]?.name || '';
  const brightness = Math.round((percent / 100) * 255);
  const sceneName = (name: string) => i.title(list.find((s) => s.name === name)?.title, name);

  const minutesValid = Number.isInteger(minutes) && minutes >= 0 && minutes <= MAX_MINUTES;

  const run = async (what: string, body: CommandBody) => {
    if (!minutesValid) return;
    setBusy(true);
    setResult(null);
    try {
      if (minutes > 0) {
        const override = await startOverride(compound.id, {
          ...(body.scene ? { scene: body.scene } : {}),
          ...(body.power ? { power: body.power } : {}),
          ...(body.brightness !== undefined ? { brightness: body.brightness } : {}),
          minutes,
        });
        bumpSchedule();
        setResult({ kind: 'timed', what, until: override.until });
      } else {
        setResult({ kind: 'record', what, record: await sendCompoundCommand(compound.id, body) });
      }
    } catch (err) {
      const e = err instanceof ApiError ? err : undefined;
      const message =
        e?.status === 404 && e.code === 'CAIDENG_ERR_NOT_FOUND'
          ? i.t('play.noTimed')
          : e?.status === 403
            ? i.t('refused.title')
            : (e?.message ?? String(err));
      setResult({ kind: 'error', what, message });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="panel play" aria-labelledby="play-title" data-testid="play-controls">
      <h2 id="play-title" class="panel__title">{i.t('play.title')}</h2>
      <form
        class="play__form"
        onSubmit={(e) => {
          e.preventDefault();
          if (chosen) void run(i.t('play.playWhat', { scene: sceneName(chosen) }), { power: 'on', brightness, scene: { name: chosen } });
        }}
      >
        <FieldRow id="play-scene" label={i.t('play.scene')}>
          <select id="play-scene" value={chosen} onChange={(e) => setScene((e.target as HTMLSelectElement).value)} disabled={list.length === 0}>
            {list.length === 0 && <option value="">{i.t('loading')}</option>}
            {list.map((s) => (
              <option key={s.name} value={s.name}>
                {i.title(s.title, s.name)}
              </option>
            ))}
          </select>
        </FieldRow>
        <FieldRow id="play-minutes" label={i.t('play.durationMinutes')} hint={minutes === 0 ? i.t('play.untilChangedHint') : i.t('play.thenProgramme')} problem={minutesValid ? undefined : i.t('play.minutesRange', { max: MAX_MINUTES })}>
          <input
            id="play-minutes"
            type="number"
            min={0}
            max={MAX_MINUTES}
            step={5}
            inputMode="numeric"
            value={String(minutes)}
            aria-invalid={minutesValid ? undefined : 'true'}
            aria-describedby={minutesValid ? undefined : 'play-minutes-problem'}
            onInput={(e) => setMinutes(Number((e.target as HTMLInputElement).value || '0'))}
          />
        </FieldRow>
        <FieldRow id="play-brightness" label={i.t('play.brightness', { percent })}>
          <input
            id="play-brightness"
            type="range"
            min={5}
            max={100}
            step={5}
            value={percent}
            aria-valuetext={`${percent}%`}
            onInput={(e) => setPercent(Number((e.target as HTMLInputElement).value))}
          />
        </FieldRow>
        <div class="play__buttons">
          <button type="submit" class="button button--primary" disabled={busy || !chosen} data-testid="play-scene">
            {i.t('play.play')}
          </button>
          <button
            type="button"
            class="button"
            disabled={busy}
            data-testid="play-brightness"
            onClick={() => void run(i.t('play.dimWhat', { percent }), { brightness })}
          >
            {i.t('play.setBrightness')}
          </button>
          <button type="button" class="button button--danger" disabled={busy} data-testid="play-off" onClick={() => void run(i.t('play.offWhat'), { power: 'off' })}>
            {i.t('play.off')}
          </button>
        </div>
      </form>
      <div class="play__result" aria-live="polite" data-testid="play-result" data-busy={busy ? 'true' : undefined}>
        {busy && <p class="muted">{i.t('play.sending')}</p>}
        {result && <ResultText result={result} compound={compound} />}
      </div>
      <ActiveOverrides compound={compound} />
    </section>
  );
}

/** The overrides running on the compound now, each with its end and a button to end it early. */
function ActiveOverrides({ compound }: { compound: CompoundInfo }) {
  const i = useI18n();
  const revision = useStore(scheduleRevision);
  const library = useStore(scenes);
  const [list, setList] = useState<OverrideView[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    fetchOverrides(compound.id, abort.signal).then(
      (o) => setList(o),
      () => setList([]) /* a controller without the scheduler has none */,
    );
    return () => abort.abort();
  }, [compound.id, revision]);
  if (list.length === 0 && !error) return null;
  const title = (name: string) => i.title(library.status === 'ready' ? library.library.scene(name)?.title : undefined, name);
  return (
    <div class="overrides" data-testid="overrides">
      <h3 class="small">{i.t('play.overrides')}</h3>
      {error && <p class="form-error">{error}</p>}
      <ul>
        {list.map((o) => (
          <li key={o.id} data-override={o.id}>
            {o.power === 'off' ? i.t('play.offWhat') : o.scene ? title(o.scene.name) : i.t('play.dimWhat', { percent: Math.round(((o.brightness ?? 255) / 255) * 100) })}
            <span class="muted small"> · {i.t('play.until', { until: i.time(o.until).slice(0, 5) })}</span>
            <button
              type="button"
              class="button button--small"
              data-action="end-override"
              onClick={() =>
                void endOverride(compound.id, o.id).then(
                  () => (setError(null), bumpSchedule()),
                  (err: Error) => setError(err.message),
                )
              }
            >
              {i.t('play.endNow')}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

function ResultText({ result, compound }: { result: Result; compound: CompoundInfo }) {
  const i = useI18n();
  if (result.kind === 'error') {
    return (
      <p class="form-error" data-outcome="error">
        <span aria-hidden="true">⚠ </span>
        {i.t('play.failed', { what: result.what, reason: result.message })}
      </p>
    );
  }
  if (result.kind === 'timed') {
    return (
      <p class="outcome outcome--ok" data-outcome="ok">
        <span aria-hidden="true">✓ </span>
        {i.t('play.timed', { what: result.what, until: i.time(result.until).slice(0, 5) })}
      </p>
    );
  }
  const o = outcome(result.record);
  const state = o.total > 0 && o.delivered === o.total ? 'ok' : o.delivered > 0 || o.pending > 0 ? 'partial' : 'error';
  const failed = result.record.deliveries.filter((d) => d.status !== 'ok' && d.status !== 'duplicate');
  return (
    <div class={`outcome outcome--${state}`} data-outcome={state} data-command={result.record.id}>
      <p>
        <span aria-hidden="true">{state === 'ok' ? '✓ ' : '⚠ '}</span>
        {o.total === 0 ? i.t('play.noGroups', { what: result.what }) : i.t('play.delivered', { what: result.what, delivered: o.delivered, total: o.total })}
        {o.pending > 0 && ` ${i.t('play.pending', { n: o.pending })}`}
      </p>
      {failed.length > 0 && (
        <ul class="outcome__list small">
          {failed.map((d) => (
            <li key={d.group} data-delivery={d.group} data-delivery-status={d.status}>
              {i.name(compound.groups.find((g) => g.id === d.group), d.group)}: {i.t(`delivery.${d.status}`)}
              {d.error ? ` (${d.error})` : ''}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
