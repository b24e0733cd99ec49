/**
 * The rule editor: a form for a RuleBody (kind, name, where, which days, from when to when, what plays,
 * priority, the limit's cap). While typing it asks the controller (POST /api/rules/check, debounced) and
 * lists the warnings and conflicts before anything is saved; problems go next to their field by the
 * JSON-pointer path the controller gives. Saving never waits for warnings: they do not block.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { FieldRow } from '../../components/field';
import { ApiError } from '../../data/api';
import type { Me } from '../../data/auth';
import type { County } from '../../data/county';
import {
  DEFAULT_PRIORITY,
  EVERY,
  FESTIVALS,
  GOVERNED_KINDS,
  HOLIDAYS,
  LIMIT_KINDS,
  PROGRAMME_KINDS,
  SOLAR_TERMS,
  SUN_EVENTS,
  bumpSchedule,
  checkRule,
  createRule,
  deleteRule,
  isLimit,
  updateRule,
  type CheckResult,
  type FieldError,
  type RuleKind,
  type RuleView,
  type RuleWarning,
} from '../../data/schedule';
import { scenes } from '../../data/scenes';
import { useI18n, type I18n } from '../../i18n';
import { useStore } from '../../lib/store';
import { fieldOfPath } from './layout';
import { DAYS_MODES, FIELD_OF_PATH, fromRule, newDraft, toBody, type Draft, type TimeDraft } from './ruleDraft';

const CHECK_DEBOUNCE_MS = 400;

export interface EditorProps {
  county: County;
  me: Me;
  /** The compound whose schedule the editor was opened from (the new rule's target). */
  compound?: string;
  rule: RuleView | null;
  /** Rule names by id, for "conflicts with …". */
  ruleNames: ReadonlyMap<string, string>;
  onDone(result: { rule: RuleView; warnings: RuleWarning[] } | null): void;
}

type Problems = Record<string, string>;

function problemsOf(errors: readonly FieldError[]): Problems {
  const out: Problems = {};
  for (const e of errors) {
    const field = fieldOfPath(e.path, FIELD_OF_PATH);
    out[field] = out[field] ? `${out[field]}; ${e.message}` : e.message;
  }
  return out;
}

/** A warning in the reader's words: what the code means, the other rule, the dates it concerns. */
export function warningText(i: I18n, w: RuleWarning, names: ReadonlyMap<string, string>): string {
  const other = w.otherRuleId ? (names.get(w.otherRuleId) ?? w.otherRuleId) : '';
  const text = i.t(`warn.${w.code}`, { other });
  const dates = w.dates && w.dates.length > 0 ? ` ${i.t('warn.dates', { dates: i.list(w.dates.slice(0, 3)) })}` : '';
  return text + dates;
}

export function WarningList({ warnings, names, testid }: { warnings: readonly RuleWarning[]; names: ReadonlyMap<string, string>; testid: string }) {
  const i = useI18n();
  if (warnings.length === 0) return null;
  return (
    <ul class="rule-warnings" data-testid={testid}>
      {warnings.map((w, n) => (
        <li key={n} class={`rule-warning rule-warning--${w.code}`} data-warning={w.code} data-other={w.otherRuleId}>
          <span aria-hidden="true">⚠ </span>
          <span>{warningText(i, w, names)}</span>
          <span class="muted small" lang="en">
            {' '}
            ({w.message})
          </span>
        </li>
      ))}
    </ul>
  );
}

export function RuleEditor({ county, me, compound, rule, ruleNames, onDone }: EditorProps) {
  const i = useI18n();
  const library = useStore(scenes);
  const sceneList = library.status === 'ready' ? library.library.scenes : [];
  const firstScene = sceneList[0]?.name ?? '';
  const [draft, setDraft] = useState<Draft>(() => (rule ? fromRule(rule, firstScene) : newDraft(compound, 'zodiac-lantern')));
  const [check, setCheck] = useState<{ state: 'idle' | 'checking' | 'done' | 'failed'; result?: CheckResult; error?: string }>({ state: 'idle' });
  const [saveProblems, setSaveProblems] = useState<Problems>({});
  const [saving, setSaving] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const set = (patch: Partial<Draft>) => {
    setDraft((d) => ({ ...d, ...patch }));
    setSaveProblems({});
  };
  // A library that arrives after the form opened: a new rule plays its first scene unless one was chosen.
  useEffect(() => {
    if (!rule && firstScene && !sceneList.some((s) => s.name === draft.scene)) set({ scene: firstScene, items: draft.items.map((it) => ({ ...it, scene: it.scene || firstScene })) });
  }, [firstScene]);

  // Opened from a rule's row far below the week, or from the button: bring the form into view, the name focused.
  const nameRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    nameRef.current?.focus({ preventScroll: true });
    nameRef.current?.closest('form')?.scrollIntoView?.({ block: 'start' });
  }, []);

  const governs = me.actions.includes('govern');
  const kinds: RuleKind[] = [...PROGRAMME_KINDS, ...LIMIT_KINDS].filter((k) => governs || !GOVERNED_KINDS.includes(k));
  const governed = GOVERNED_KINDS.includes(draft.kind);
  // Programmes: the compounds the user operates; limits and county rules: everything the user governs (the registry is their scope).
  const targetable = county.compounds.filter((c) => (governed ? governs : me.operable.includes(c.id)));
  const areas = governed ? county.info.streets.flatMap((s) => [s, ...s.communities]).filter((a) => a.id) : [];
  const single = draft.compounds.length === 1 && draft.areas.length === 0 ? county.compound(draft.compounds[0]!) : undefined;

  const body = useMemo(() => toBody(draft), [draft]);
  const bodyJson = JSON.stringify(body);
  const checkSeq = useRef(0);
  useEffect(() => {
    const abort = new AbortController();
    const seq = ++checkSeq.current;
    const timer = setTimeout(() => {
      setCheck((c) => ({ ...c, state: 'checking' }));
      checkRule(body, abort.signal).then(
        (result) => seq === checkSeq.current && setCheck({ state: 'done', result }),
        (err: unknown) => {
          if (abort.signal.aborted || seq !== checkSeq.current) return;
          // A 400 from the schema (before the rule's own check) still names the fields.
          if (err instanceof ApiError && err.problems.length > 0) setCheck({ state: 'done', result: { warnings: [], errors: err.problems } });
          else setCheck({ state: 'failed', error: (err as Error).message });
        },
      );
    }, CHECK_DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [bodyJson]);

  const checkProblems = check.result ? problemsOf(check.result.errors) : {};
  const problems: Problems = { ...checkProblems, ...saveProblems };
  const p = (id: string) => problems[id];
  const warnings = check.result?.warnings ?? [];

  const save = async (e: Event) => {
    e.preventDefault();
    setSaving(true);
    setFormError(null);
    try {
      const result = rule ? await updateRule(rule.id, body) : await createRule(body);
      bumpSchedule();
      onDone(result);
    } catch (err) {
      if (err instanceof ApiError && err.problems.length > 0) setSaveProblems(problemsOf(err.problems));
      else setFormError(err instanceof Error ? err.message : String(err));
    } finally {
      setSaving(false);
    }
  };
  const remove = async () => {
    if (!rule || !confirm(i.t('rule.deleteConfirm', { name: rule.name }))) return;
    try {
      await deleteRule(rule.id);
      bumpSchedule();
      onDone(null);
    } catch (err) {
      setFormError(err instanceof Error ? err.message : String(err));
    }
  };

  const toggle = (list: string[], id: string, on: boolean) => (on ? [...list.filter((x) => x !== id), id] : list.filter((x) => x !== id));
  const defaultPriority = isLimit(draft.kind) ? undefined : DEFAULT_PRIORITY[draft.kind as keyof typeof DEFAULT_PRIORITY];
  const sceneOptions = sceneList.map((s) => (
    <option key={s.name} value={s.name}>
      {i.title(s.title, s.name)}
    </option>
  ));
  const festivalOptions = FESTIVALS.map((f) => (
    <option key={f} value={f}>
      {i.t(`fest.${f}`)}
    </option>
  ));

  return (
    <form class="panel rule-form" onSubmit={save} data-testid="rule-form" aria-labelledby="rule-form-title" noValidate>
      <h2 id="rule-form-title" class="panel__title">{rule ? i.t('rule.editTitle', { name: rule.name }) : i.t('rule.newTitle')}</h2>
      {p('form') && (
        <p class="form-error" role="alert" data-problem="form">
          <span aria-hidden="true">⚠ </span>
          {p('form')}
        </p>
      )}
      <div class="rule-form__grid">
        <FieldRow id="rule-kind" label={i.t('rule.kind')} problem={p('rule-kind')} hint={i.t(`kindHint.${draft.kind}`)}>
          <select id="rule-kind" value={draft.kind} onChange={(e) => set({ kind: (e.target as HTMLSelectElement).value as RuleKind })}>
            {kinds.map((k) => (
              <option key={k} value={k}>
                {i.t(`kind.${k}`)}
              </option>
            ))}
          </select>
        </FieldRow>
        <FieldRow id="rule-name" label={i.t('rule.name')} problem={p('rule-name')}>
          <input id="rule-name" ref={nameRef} value={draft.name} maxLength={64} required aria-invalid={p('rule-name') ? 'true' : undefined} aria-describedby={p('rule-name') ? 'rule-name-problem' : undefined} onInput={(e) => set({ name: (e.target as HTMLInputElement).value })} />
        </FieldRow>
      </div>

      <fieldset class={`rule-form__set${p('rule-target') ? ' field--invalid' : ''}`} id="rule-target" aria-describedby={p('rule-target') ? 'rule-target-problem' : undefined}>
        <legend>{i.t('rule.target')}</legend>
        <div class="rule-form__checks">
          {targetable.map((c) => (
            <label key={c.id}>
              <input type="checkbox" data-target-compound={c.id} checked={draft.compounds.includes(c.id)} onChange={(e) => set({ compounds: toggle(draft.compounds, c.id, (e.target as HTMLInputElement).checked), groups: [] })} />
              {i.name(c)}
            </label>
          ))}
          {areas.map((a) => (
            <label key={a.id}>
              <input type="checkbox" data-target-area={a.id} checked={draft.areas.includes(a.id)} onChange={(e) => set({ areas: toggle(draft.areas, a.id, (e.target as HTMLInputElement).checked), groups: [] })} />
              {i.name(a)} <span class="muted small">{i.t('rule.area')}</span>
            </label>
          ))}
        </div>
        {p('rule-target') && <Problem id="rule-target" text={p('rule-target')!} />}
        {single && single.groups.length > 0 && (
          <details class="rule-form__groups" id="rule-groups" open={draft.groups.length > 0}>
            <summary>{draft.groups.length === 0 ? i.t('rule.allGroups') : i.t('rule.someGroups', { n: draft.groups.length })}</summary>
            <div class="rule-form__checks">
              {single.groups.map((g) => (
                <label key={g.id}>
                  <input type="checkbox" data-target-group={g.id} checked={draft.groups.includes(g.id)} onChange={(e) => set({ groups: toggle(draft.groups, g.id, (e.target as HTMLInputElement).checked) })} />
                  {i.name(g)}
                </label>
              ))}
            </div>
            {p('rule-groups') && <Problem id="rule-groups" text={p('rule-groups')!} />}
          </details>
        )}
      </fieldset>

      <fieldset class="rule-form__set">
        <legend>{i.t('rule.days')}</legend>
        <div class="rule-form__grid">
          <FieldRow id="rule-days" label={i.t('rule.daysMode')} problem={p('rule-days')}>
            <select id="rule-days" value={draft.daysMode} onChange={(e) => set({ daysMode: (e.target as HTMLSelectElement).value as Draft['daysMode'] })}>
              {DAYS_MODES.map((m) => (
                <option key={m} value={m}>
                  {i.t(`days.${m}`)}
                </option>
              ))}
            </select>
          </FieldRow>
          {draft.daysMode === 'every' && (
            <FieldRow id="rule-every" label={i.t('days.which')}>
              <select id="rule-every" value={draft.every} onChange={(e) => set({ every: (e.target as HTMLSelectElement).value as Draft['every'] })}>
                {EVERY.map((v) => (
                  <option key={v} value={v}>
                    {i.t(`every.${v}`)}
                  </option>
                ))}
              </select>
            </FieldRow>
          )}
          {draft.daysMode === 'weekdays' && (
            <fieldset class="rule-form__weekdays" id="rule-weekdays">
              <legend class="sr-only">{i.t('days.weekdays')}</legend>
              {[1, 2, 3, 4, 5, 6, 7].map((d) => (
                <label key={d}>
                  <input type="checkbox" data-weekday={d} checked={draft.weekdays.includes(d)} onChange={(e) => set({ weekdays: (e.target as HTMLInputElement).checked ? [...draft.weekdays.filter((x) => x !== d), d] : draft.weekdays.filter((x) => x !== d) })} />
                  {i.t(`sched.wd${d}` as 'sched.wd1')}
                </label>
              ))}
            </fieldset>
          )}
          {draft.daysMode === 'festival' && (
            <FieldRow id="rule-festival" label={i.t('days.festival')}>
              <select id="rule-festival" value={draft.festival} onChange={(e) => set({ festival: (e.target as HTMLSelectElement).value as Draft['festival'] })}>
                {festivalOptions}
              </select>
            </FieldRow>
          )}
          {draft.daysMode === 'festivalRange' && (
            <>
              <FieldRow id="rule-range-from" label={i.t('days.rangeFrom')}>
                <select id="rule-range-from" value={draft.rangeFrom} onChange={(e) => set({ rangeFrom: (e.target as HTMLSelectElement).value as Draft['festival'] })}>
                  {festivalOptions}
                </select>
              </FieldRow>
              <FieldRow id="rule-range-to" label={i.t('days.rangeTo')}>
                <select id="rule-range-to" value={draft.rangeTo} onChange={(e) => set({ rangeTo: (e.target as HTMLSelectElement).value as Draft['festival'] })}>
                  {festivalOptions}
                </select>
              </FieldRow>
            </>
          )}
          {draft.daysMode === 'lunar' && (
            <>
              <FieldRow id="rule-lunar-month" label={i.t('days.lunarMonth')} problem={p('rule-lunar-month')}>
                <select id="rule-lunar-month" value={draft.lunarMonth} onChange={(e) => set({ lunarMonth: (e.target as HTMLSelectElement).value })}>
                  {Array.from({ length: 12 }, (_, n) => (
                    <option key={n} value={String(n + 1)}>
                      {i.t(`lunarMonth.${n + 1}` as 'lunarMonth.1')}
                    </option>
                  ))}
                </select>
              </FieldRow>
              <FieldRow id="rule-lunar-day" label={i.t('days.lunarDay')} problem={p('rule-lunar-day')}>
                <select id="rule-lunar-day" value={draft.lunarDay} onChange={(e) => set({ lunarDay: (e.target as HTMLSelectElement).value })}>
                  {Array.from({ length: 30 }, (_, n) => (
                    <option key={n} value={String(n + 1)}>
                      {lunarDayName(i, n + 1)}
                    </option>
                  ))}
                  <option value="last">{i.t('days.lunarLast')}</option>
                </select>
              </FieldRow>
              <label class="rule-form__inline">
                <input type="checkbox" id="rule-lunar-leap" checked={draft.lunarLeap} onChange={(e) => set({ lunarLeap: (e.target as HTMLInputElement).checked })} />
                {i.t('days.lunarLeap')}
              </label>
            </>
          )}
          {draft.daysMode === 'solarTerm' && (
            <FieldRow id="rule-solar" label={i.t('days.solarTerm')}>
              <select id="rule-solar" value={draft.solarTerm} onChange={(e) => set({ solarTerm: (e.target as HTMLSelectElement).value as Draft['solarTerm'] })}>
                {SOLAR_TERMS.map((s) => (
                  <option key={s} value={s}>
                    {i.t(`term.${s}`)}
                  </option>
                ))}
              </select>
            </FieldRow>
          )}
          {draft.daysMode === 'holiday' && (
            <FieldRow id="rule-holiday" label={i.t('days.holiday')}>
              <select id="rule-holiday" value={draft.holiday} onChange={(e) => set({ holiday: (e.target as HTMLSelectElement).value as Draft['holiday'] })}>
                {HOLIDAYS.map((h) => (
                  <option key={h} value={h}>
                    {i.t(`holiday.${h}`)}
                  </option>
                ))}
              </select>
            </FieldRow>
          )}
          {draft.daysMode === 'dates' && (
            <FieldRow id="rule-dates" label={i.t('days.dates')} problem={p('rule-dates')} hint={i.t('days.datesHint')}>
              <input id="rule-dates" value={draft.dates} placeholder="2027-02-05, 2027-02-06" onInput={(e) => set({ dates: (e.target as HTMLInputElement).value })} />
            </FieldRow>
          )}
          <FieldRow id="rule-from" label={i.t('rule.dateFrom')} problem={p('rule-from')}>
            <input id="rule-from" type="date" value={draft.dateFrom} onInput={(e) => set({ dateFrom: (e.target as HTMLInputElement).value })} />
          </FieldRow>
          <FieldRow id="rule-until" label={i.t('rule.dateUntil')} problem={p('rule-until')}>
            <input id="rule-until" type="date" value={draft.dateUntil} onInput={(e) => set({ dateUntil: (e.target as HTMLInputElement).value })} />
          </FieldRow>
        </div>
      </fieldset>

      <TimeFields which="start" value={draft.start} problems={problems} onChange={(start) => set({ start })} optional={false} />
      <TimeFields which="end" value={draft.end} problems={problems} onChange={(end) => set({ end })} optional={draft.kind === 'curfew'} />

      {!isLimit(draft.kind) && (
        <fieldset class={`rule-form__set${p('rule-play') ? ' field--invalid' : ''}`} id="rule-play">
          <legend>{i.t('rule.play')}</legend>
          {p('rule-play') && <Problem id="rule-play" text={p('rule-play')!} />}
          <div class="rule-form__grid">
            <FieldRow id="rule-play-mode" label={i.t('rule.playMode')}>
              <select id="rule-play-mode" value={draft.playMode} onChange={(e) => set({ playMode: (e.target as HTMLSelectElement).value as Draft['playMode'] })}>
                <option value="scene">{i.t('play.mode.scene')}</option>
                <option value="playlist">{i.t('play.mode.playlist')}</option>
                <option value="off">{i.t('play.mode.off')}</option>
              </select>
            </FieldRow>
            {draft.playMode === 'scene' && (
              <>
                <FieldRow id="rule-scene" label={i.t('play.scene')} problem={p('rule-scene')}>
                  <select id="rule-scene" value={draft.scene} onChange={(e) => set({ scene: (e.target as HTMLSelectElement).value })}>
                    {sceneOptions}
                  </select>
                </FieldRow>
                <FieldRow id="rule-brightness" label={i.t('rule.brightness')} problem={p('rule-brightness')}>
                  <input id="rule-brightness" type="number" min={0} max={100} step={5} value={draft.brightness} onInput={(e) => set({ brightness: (e.target as HTMLInputElement).value })} />
                </FieldRow>
              </>
            )}
          </div>
          {draft.playMode === 'playlist' && (
            <div id="rule-playlist" class="rule-form__playlist">
              {p('rule-playlist') && <Problem id="rule-playlist" text={p('rule-playlist')!} />}
              <ol>
                {draft.items.map((it, n) => {
                  const item = (patch: Partial<typeof it>) => set({ items: draft.items.map((x, m) => (m === n ? { ...x, ...patch } : x)) });
                  return (
                    <li key={n} class="rule-form__item">
                      <FieldRow id={`rule-item-${n}-scene`} label={i.t('rule.itemScene', { n: n + 1 })}>
                        <select id={`rule-item-${n}-scene`} value={it.scene} onChange={(e) => item({ scene: (e.target as HTMLSelectElement).value })}>
                          {sceneOptions}
                        </select>
                      </FieldRow>
                      <FieldRow id={`rule-item-${n}-duration`} label={i.t('rule.itemDuration')}>
                        <input id={`rule-item-${n}-duration`} type="number" min={1} value={it.durationS} onInput={(e) => item({ durationS: (e.target as HTMLInputElement).value })} />
                      </FieldRow>
                      <button type="button" class="button button--small" disabled={draft.items.length <= 1} onClick={() => set({ items: draft.items.filter((_, m) => m !== n) })}>
                        {i.t('rule.itemRemove')}
                      </button>
                    </li>
                  );
                })}
              </ol>
              <button type="button" class="button button--small" onClick={() => set({ items: [...draft.items, { scene: firstScene, durationS: '600' }] })}>
                {i.t('rule.itemAdd')}
              </button>
              <div class="rule-form__grid">
                <FieldRow id="rule-repeat" label={i.t('rule.repeat')}>
                  <select id="rule-repeat" value={draft.repeat} onChange={(e) => set({ repeat: (e.target as HTMLSelectElement).value })}>
                    <option value="forever">{i.t('rule.repeatForever')}</option>
                    {[1, 2, 3, 5, 10].map((n) => (
                      <option key={n} value={String(n)}>
                        {i.t('rule.repeatN', { n })}
                      </option>
                    ))}
                  </select>
                </FieldRow>
                <FieldRow id="rule-stop" label={i.t('rule.stop')}>
                  <select id="rule-stop" value={draft.stop} onChange={(e) => set({ stop: (e.target as HTMLSelectElement).value as Draft['stop'] })}>
                    <option value="graceful">{i.t('rule.stopGraceful')}</option>
                    <option value="hard">{i.t('rule.stopHard')}</option>
                  </select>
                </FieldRow>
                <label class="rule-form__inline">
                  <input type="checkbox" id="rule-shuffle" checked={draft.shuffle} onChange={(e) => set({ shuffle: (e.target as HTMLInputElement).checked })} />
                  {i.t('rule.shuffle')}
                </label>
              </div>
            </div>
          )}
        </fieldset>
      )}

      <div class="rule-form__grid">
        {defaultPriority !== undefined && (
          <FieldRow id="rule-priority" label={i.t('rule.priority')} problem={p('rule-priority')} hint={i.t('rule.priorityDefault', { n: defaultPriority })}>
            <input id="rule-priority" type="number" min={0} max={1000} value={draft.priority} placeholder={String(defaultPriority)} onInput={(e) => set({ priority: (e.target as HTMLInputElement).value })} />
          </FieldRow>
        )}
        {draft.kind === 'quiet' && (
          <FieldRow id="rule-max" label={i.t('rule.maxPercent')} problem={p('rule-max')}>
            <input id="rule-max" type="number" min={0} max={100} step={5} value={draft.maxPercent} onInput={(e) => set({ maxPercent: (e.target as HTMLInputElement).value })} />
          </FieldRow>
        )}
        {draft.kind === 'budget' && (
          <FieldRow id="rule-kwh" label={i.t('rule.kwh')} problem={p('rule-kwh')}>
            <input id="rule-kwh" type="number" min={0} step={0.5} value={draft.kwh} onInput={(e) => set({ kwh: (e.target as HTMLInputElement).value })} />
          </FieldRow>
        )}
        <label class="rule-form__inline">
          <input type="checkbox" id="rule-enabled" checked={draft.enabled} onChange={(e) => set({ enabled: (e.target as HTMLInputElement).checked })} />
          {i.t('rule.enabled')}
        </label>
      </div>

      <section class="rule-check" aria-live="polite" data-testid="rule-check" data-state={check.state} aria-labelledby="rule-check-title">
        <h3 id="rule-check-title" class="rule-check__title">{i.t('rule.check')}</h3>
        {check.state === 'checking' && <p class="muted">{i.t('rule.checking')}</p>}
        {check.state === 'failed' && <p class="form-error">{i.t('rule.checkFailed', { reason: check.error ?? '' })}</p>}
        {check.state === 'done' && check.result && (
          <>
            {check.result.errors.length > 0 && <p class="form-error" data-testid="rule-invalid">{i.t('rule.invalid', { n: check.result.errors.length })}</p>}
            {check.result.errors.length === 0 && warnings.length === 0 && (
              <p class="outcome--ok" data-testid="rule-clean">
                <span aria-hidden="true">✓ </span>
                {i.t('rule.clean')}
              </p>
            )}
            <WarningList warnings={warnings} names={ruleNames} testid="rule-warnings" />
          </>
        )}
      </section>

      {formError && (
        <p class="form-error" role="alert" data-testid="rule-save-error">
          <span aria-hidden="true">⚠ </span>
          {formError}
        </p>
      )}
      <div class="form-buttons">
        <button type="submit" class="button button--primary" disabled={saving} data-testid="rule-save">
          {saving ? i.t('rule.saving') : warnings.length > 0 ? i.t('rule.saveAnyway') : i.t('rule.save')}
        </button>
        <button type="button" class="button" onClick={() => onDone(null)} data-testid="rule-cancel">
          {i.t('users.cancel')}
        </button>
        {rule && (
          <button type="button" class="button button--danger" onClick={() => void remove()} data-testid="rule-delete">
            {i.t('rule.delete')}
          </button>
        )}
      </div>
    </form>
  );
}

function Problem({ id, text }: { id: string; text: string }) {
  return (
    <span class="field__problem" id={`${id}-problem`} data-problem={id}>
      <span aria-hidden="true">⚠ </span>
      {text}
    </span>
  );
}

const LUNAR_DIGITS = ['', '一', '二', '三', '四', '五', '六', '七', '八', '九', '十'];
/** 初一 … 初十, 十一 … 十九, 二十, 廿一 … 廿九, 三十 (in English: "day 15"). */
function lunarDayName(i: I18n, d: number): string {
  if (i.locale === 'en') return i.t('days.lunarDayN', { n: d });
  if (d <= 10) return `初${LUNAR_DIGITS[d]}`;
  if (d < 20) return `十${LUNAR_DIGITS[d - 10]}`;
  if (d === 20) return '二十';
  if (d < 30) return `廿${LUNAR_DIGITS[d - 20]}`;
  return '三十';
}

/** Start or end: a clock time, or a sun event with an offset and "not earlier / not later than" clamps. */
function TimeFields({ which, value, onChange, problems, optional }: { which: 'start' | 'end'; value: TimeDraft; onChange(v: TimeDraft): void; problems: Problems; optional: boolean }) {
  const i = useI18n();
  const id = (f: string) => `rule-${which}-${f}`;
  const p = (f: string) => problems[id(f)];
  const set = (patch: Partial<TimeDraft>) => onChange({ ...value, ...patch });
  return (
    <fieldset class="rule-form__set">
      <legend>{i.t(which === 'start' ? 'rule.start' : 'rule.end')}</legend>
      <div class="rule-form__grid">
        <FieldRow id={id('mode')} label={i.t('time.mode')} problem={p('mode')}>
          <select id={id('mode')} value={value.mode} onChange={(e) => set({ mode: (e.target as HTMLSelectElement).value as TimeDraft['mode'] })}>
            <option value="at">{i.t('time.at')}</option>
            <option value="sun">{i.t('time.sun')}</option>
            {(optional || which === 'end') && <option value="none">{i.t(which === 'end' ? 'time.noneEnd' : 'time.none')}</option>}
          </select>
        </FieldRow>
        {value.mode === 'at' && (
          <FieldRow id={id('at')} label={i.t('time.clock')} problem={p('at')}>
            <input id={id('at')} type="time" value={value.at} aria-invalid={p('at') ? 'true' : undefined} onInput={(e) => set({ at: (e.target as HTMLInputElement).value })} />
          </FieldRow>
        )}
        {value.mode === 'sun' && (
          <>
            <FieldRow id={id('sun')} label={i.t('time.event')} problem={p('sun')}>
              <select id={id('sun')} value={value.sun} onChange={(e) => set({ sun: (e.target as HTMLSelectElement).value as TimeDraft['sun'] })}>
                {SUN_EVENTS.map((s) => (
                  <option key={s} value={s}>
                    {i.t(`sun.${s}`)}
                  </option>
                ))}
              </select>
            </FieldRow>
            <FieldRow id={id('offset')} label={i.t('time.offset')} problem={p('offset')} hint={i.t('time.offsetHint')}>
              <input id={id('offset')} type="number" min={-180} max={180} step={5} value={value.offset} aria-invalid={p('offset') ? 'true' : undefined} onInput={(e) => set({ offset: (e.target as HTMLInputElement).value })} />
            </FieldRow>
            <FieldRow id={id('notbefore')} label={i.t('time.notBefore')} problem={p('notbefore')}>
              <input id={id('notbefore')} type="time" value={value.notBefore} onInput={(e) => set({ notBefore: (e.target as HTMLInputElement).value })} />
            </FieldRow>
            <FieldRow id={id('notafter')} label={i.t('time.notAfter')} problem={p('notafter')}>
              <input id={id('notafter')} type="time" value={value.notAfter} onInput={(e) => set({ notAfter: (e.target as HTMLInputElement).value })} />
            </FieldRow>
          </>
        )}
      </div>
    </fieldset>
  );
}
