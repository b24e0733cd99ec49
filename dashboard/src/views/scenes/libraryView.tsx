/**
 * The scene library (`#/scenes`): the built-in catalog and the county's own scenes, each with an animated
 * preview; `#/scenes/new[?from=<scene>]` drafts a new scene (blank, or a copy) and `#/scenes/<name>` edits a
 * stored one. The editor validates in the browser with the scenes library's own `validateScene`, shows each
 * problem at its field (by JSON pointer) and keeps Save disabled while the draft is invalid; the server's
 * 400 details land at the same fields. Only users with the `author` action see the edit controls.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { BLEND_MODES, EFFECT_TYPES, PALETTE_NAMES, validateScene, type Scene } from '@caideng/scenes';
import { ApiError } from '../../data/api';
import type { Me } from '../../data/auth';
import type { County } from '../../data/county';
import { scenes, type SceneSummary } from '../../data/scenes';
import { createScene, deleteScene, estimateEnergy, fetchScene, updateScene, type EnergyEstimate } from '../../data/sceneLibrary';
import { useI18n } from '../../i18n';
import { href } from '../../lib/router';
import { useStore } from '../../lib/store';
import { estimateGroups } from '../../../../controller/src/features/scenes/energy';
import { ScenePreviewBox } from './previewBox';
import { blankScene, copyOf, fieldId, formPaths, getAt, paramFields, problemsByField, readColors, readNumber, setAt, toBody, withEffectType, newLayer, type ParamField } from './sceneDraft';

export const canAuthor = (me: Me) => (me.actions as readonly string[]).includes('author');

export function LibraryView(props: { county: County; me: Me; name?: string | undefined; from?: string | undefined }) {
  if (props.name === undefined) return <SceneList me={props.me} />;
  return <SceneEditor key={`${props.name}:${props.from ?? ''}`} county={props.county} me={props.me} name={props.name} from={props.from} />;
}

function SceneList({ me }: { me: Me }) {
  const i = useI18n();
  const state = useStore(scenes);
  const author = canAuthor(me);
  if (state.status !== 'ready') return <p class="loading">{state.error ? i.t('error.load', { reason: state.error }) : i.t('loading')}</p>;
  const builtin = state.library.scenes.filter((s) => s.builtin);
  const own = state.library.scenes.filter((s) => !s.builtin);
  return (
    <section class="library" data-testid="scene-library">
      <div class="library__head">
        <h1>{i.t('library.title')}</h1>
        {author && (
          <a class="button" href={href({ view: 'scenes', name: 'new' })} data-testid="scene-new">
            {i.t('library.new')}
          </a>
        )}
      </div>
      <h2>{i.t('library.catalog')}</h2>
      <SceneCards list={builtin} author={author} />
      <h2>{i.t('library.own')}</h2>
      {own.length === 0 ? <p class="muted">{i.t('library.none')}</p> : <SceneCards list={own} author={author} />}
    </section>
  );
}

function SceneCards({ list, author }: { list: SceneSummary[]; author: boolean }) {
  const i = useI18n();
  return (
    <ul class="library__grid">
      {list.map((s) => (
        <li class="library__card" key={s.name} data-library-scene={s.name}>
          <ScenePreviewBox scene={{ name: s.name }} label={i.title(s.title, s.name)} />
          <div class="library__card-body">
            <strong>{i.title(s.title, s.name)}</strong>
            <span class="muted small">
              {s.name}
              {s.revision !== undefined && ` · ${i.t('library.revision', { n: s.revision })}`}
            </span>
            {author && (
              <span class="library__actions">
                <a href={href({ view: 'scenes', name: 'new', from: s.name })} data-testid="scene-copy">
                  {i.t('library.copy')}
                </a>
                {!s.builtin && (
                  <a href={href({ view: 'scenes', name: s.name })} data-testid="scene-edit">
                    {i.t('library.edit')}
                  </a>
                )}
              </span>
            )}
          </div>
        </li>
      ))}
    </ul>
  );
}

/** The message of a save that moved the page (a new scene opens under its own name), shown once there. */
let savedNotice: string | null = null;

type Load = { status: 'loading' } | { status: 'failed'; reason: string } | { status: 'ready'; scene: Scene; stored: boolean };

function SceneEditor({ county, me, name, from }: { county: County; me: Me; name: string; from?: string | undefined }) {
  const i = useI18n();
  const isNew = name === 'new';
  const [load, setLoad] = useState<Load>({ status: 'loading' });
  useEffect(() => {
    const abort = new AbortController();
    if (isNew && !from) {
      setLoad({ status: 'ready', scene: blankScene(''), stored: false });
      return;
    }
    fetchScene(from ?? name, abort.signal).then(
      (s) => setLoad({ status: 'ready', scene: isNew ? copyOf(s.scene, `${s.name}-copy`) : { ...s.scene, name: s.name }, stored: !isNew }),
      (err: Error) => !abort.signal.aborted && setLoad({ status: 'failed', reason: err.message }),
    );
    return () => abort.abort();
  }, [name, from]);
  if (load.status === 'loading') return <p class="loading">{i.t('loading')}</p>;
  if (load.status === 'failed') return <p class="form-error" role="alert">{i.t('error.load', { reason: load.reason })}</p>;
  if (!canAuthor(me)) return <p class="form-error" role="alert">{i.t('library.readOnly')}</p>;
  return <SceneForm county={county} initial={load.scene} stored={load.stored} />;
}

function SceneForm({ county, initial, stored }: { county: County; initial: Scene; stored: boolean }) {
  const i = useI18n();
  const [draft, setDraftState] = useState<Scene>(initial);
  // Changed since loaded or last saved: the energy estimate is then of the draft, made in the page.
  const [dirty, setDirty] = useState(false);
  // Each layer's fields keep what was typed: a stable key per layer, so removing or moving one does not
  // hand its text to another.
  const nextKey = useRef((initial.layers ?? []).length);
  const [layerKeys, setLayerKeys] = useState<number[]>(() => (initial.layers ?? []).map((_, k) => k));
  const setDraft = (next: Scene | ((d: Scene) => Scene)) => {
    setDraftState(next);
    setDirty(true);
  };
  const [serverProblems, setServerProblems] = useState<Array<{ path: string; message: string }>>([]);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState<string | null>(() => {
    const notice = savedNotice;
    savedNotice = null;
    return notice;
  });
  // Fields whose text does not parse (a palette list, a JSON parameter) report here, by pointer.
  const [localProblems, setLocalProblems] = useState<Record<string, string>>({});
  const body = useMemo(() => toBody(draft), [draft]);
  const validation = useMemo(() => validateScene(body), [body]);
  const fields = useMemo(() => formPaths(draft), [draft]);
  // `new` is the editor's own address (#/scenes/new), so no scene may take it.
  const nameProblem = !draft.name ? i.t('library.nameRequired') : !stored && draft.name === 'new' ? i.t('library.nameReserved') : undefined;
  const problems = useMemo(() => {
    const out = problemsByField([...(validation.ok ? [] : validation.errors), ...serverProblems], fields);
    for (const [k, v] of Object.entries(localProblems)) out[k] ??= v;
    if (nameProblem) out['/name'] ??= nameProblem;
    return out;
  }, [validation, serverProblems, localProblems, fields, nameProblem]);
  const valid = validation.ok && Object.keys(localProblems).length === 0 && !nameProblem;

  const edit = (path: string, value: unknown) => {
    setDraft((d) => setAt(d, path, value));
    setServerProblems([]);
    setSaved(null);
  };
  const local = (path: string, problem: string | null) =>
    setLocalProblems((p) => {
      const next = { ...p };
      if (problem) next[path] = problem;
      else delete next[path];
      return next;
    });

  const save = async (e: Event) => {
    e.preventDefault();
    if (!valid || saving) return;
    setSaving(true);
    try {
      const out = stored ? await updateScene(draft.name!, body) : await createScene(body);
      const notice = i.t('library.saved', { name: out.name, n: out.revision ?? 1 });
      if (stored) {
        setSaved(notice);
        setDirty(false);
      }
      else {
        savedNotice = notice;
        location.hash = href({ view: 'scenes', name: out.name });
      }
    } catch (err) {
      const details = err instanceof ApiError ? err.problems : [];
      setServerProblems(details.length ? details : [{ path: '', message: (err as Error).message }]);
    } finally {
      setSaving(false);
    }
  };

  const p = (path: string) => problems[path];
  const layers = draft.layers ?? [];
  const paletteNames = [...PALETTE_NAMES, ...Object.keys(draft.palettes ?? {})];
  return (
    <form class="scene-editor" onSubmit={save} noValidate data-testid="scene-editor" data-valid={valid ? 'yes' : 'no'}>
      <div class="library__head">
        <h1>{stored ? i.t('library.editTitle', { name: draft.name ?? '' }) : i.t('library.newTitle')}</h1>
        <a href={href({ view: 'scenes' })}>{i.t('library.back')}</a>
      </div>
      {problems[''] && (
        <p class="form-error" role="alert" data-problem="form">
          {problems['']}
        </p>
      )}
      <div class="scene-editor__cols">
        <div class="scene-editor__preview">
          <ScenePreviewBox scene={validation.ok ? body : null} label={i.t('library.preview')} large />
          {!validation.ok && <p class="muted small">{i.t('library.previewPaused')}</p>}
          <EnergyPanel key={dirty ? 'draft' : 'saved'} county={county} name={draft.name ?? ''} draft={valid ? body : null} saved={stored && !dirty} />
        </div>
        <div class="scene-editor__fields">
          <fieldset>
            <legend>{i.t('library.basics')}</legend>
            <TextInput path="/name" label={i.t('library.name')} value={draft.name ?? ''} problem={p('/name')} disabled={stored} onText={(t) => edit('/name', t || undefined)} hint={i.t('library.nameHint')} />
            <TextInput path="/title/zh" label={i.t('library.titleZh')} value={draft.title?.zh ?? ''} problem={p('/title/zh')} onText={(t) => edit('/title/zh', t)} />
            <TextInput path="/title/en" label={i.t('library.titleEn')} value={draft.title?.en ?? ''} problem={p('/title/en')} onText={(t) => edit('/title/en', t)} />
            <NumberInput path="/brightness" label={i.t('library.brightness')} value={draft.brightness} min={0} max={1} problem={p('/brightness')} onValue={(v) => edit('/brightness', v)} />
            <NumberInput path="/speed" label={i.t('library.speed')} value={draft.speed} min={0.05} max={20} problem={p('/speed')} onValue={(v) => edit('/speed', v)} />
          </fieldset>

          <fieldset>
            <legend>{i.t('library.palettes')}</legend>
            {p('/palettes') && <span class="field__problem" data-problem={fieldId('/palettes')}>⚠ {p('/palettes')}</span>}
            {Object.entries(draft.palettes ?? {}).map(([key, colors]) => (
              <div class="scene-editor__row" key={key}>
                <TextInput
                  path={`/palettes/${key}`}
                  label={i.t('library.paletteColors', { name: key })}
                  value={colors.join(', ')}
                  problem={p(`/palettes/${key}`)}
                  hint={i.t('library.colorsHint')}
                  onText={(t) => edit(`/palettes/${key}`, readColors(t))}
                />
                <button type="button" class="button button--quiet" onClick={() => edit(`/palettes/${key}`, undefined)}>
                  {i.t('library.remove')}
                </button>
              </div>
            ))}
            <AddPalette taken={Object.keys(draft.palettes ?? {})} onAdd={(key) => edit(`/palettes/${key}`, ['red', 'gold'])} />
          </fieldset>

          {p('/layers') && (
            <span class="field__problem" data-problem={fieldId('/layers')}>
              ⚠ {p('/layers')}
            </span>
          )}
          {layers.map((layer, n) => {
            const base = `/layers/${n}`;
            const type = typeof layer.effect?.type === 'string' ? layer.effect.type : '';
            return (
              <fieldset key={`${layerKeys[n] ?? `x${n}`}:${type}`} data-layer={n}>
                <legend>{i.t('library.layer', { n: n + 1 })}</legend>
                {p(base) && <span class="field__problem" data-problem={fieldId(base)}>⚠ {p(base)}</span>}
                <SelectInput path={`${base}/effect/type`} label={i.t('library.effect')} value={type} options={EFFECT_TYPES} problem={p(`${base}/effect/type`) ?? p(`${base}/effect`)} onValue={(t) => setDraft((d) => withEffectType(d, n, t))} />
                <SelectInput path={`${base}/blend`} label={i.t('library.blend')} value={layer.blend ?? 'normal'} options={BLEND_MODES} problem={p(`${base}/blend`)} onValue={(b) => edit(`${base}/blend`, b === 'normal' ? undefined : b)} />
                <NumberInput path={`${base}/opacity`} label={i.t('library.opacity')} value={layer.opacity} min={0} max={1} problem={p(`${base}/opacity`)} onValue={(v) => edit(`${base}/opacity`, v)} />
                {paramFields(type).map((f) => (
                  <ParamInput key={f.key} field={f} path={`${base}/effect/${f.key}`} value={getAt(draft, `${base}/effect/${f.key}`)} problem={p(`${base}/effect/${f.key}`)} palettes={paletteNames} onValue={(v) => edit(`${base}/effect/${f.key}`, v)} onLocal={local} />
                ))}
                <div class="scene-editor__row">
                  <button type="button" class="button button--quiet" disabled={n === 0} onClick={() => (setDraft((d) => move(d, n, -1)), setLayerKeys((k) => move1(k, n, -1)))}>
                    {i.t('library.down')}
                  </button>
                  <button type="button" class="button button--quiet" disabled={n === layers.length - 1} onClick={() => (setDraft((d) => move(d, n, 1)), setLayerKeys((k) => move1(k, n, 1)))}>
                    {i.t('library.up')}
                  </button>
                  <button type="button" class="button button--quiet" disabled={layers.length <= 1} onClick={() => (setDraft((d) => ({ ...d, layers: d.layers.filter((_, k) => k !== n) })), setLayerKeys((k) => k.filter((_, j) => j !== n)))}>
                    {i.t('library.removeLayer')}
                  </button>
                </div>
              </fieldset>
            );
          })}
          <button type="button" class="button button--quiet" disabled={layers.length >= 8} onClick={() => (setDraft((d) => ({ ...d, layers: [...d.layers, newLayer()] })), setLayerKeys((k) => [...k, nextKey.current++]))} data-testid="layer-add">
            {i.t('library.addLayer')}
          </button>
        </div>
      </div>
      <div class="scene-editor__save">
        <button type="submit" class="button" disabled={!valid || saving} data-testid="scene-save">
          {saving ? i.t('library.saving') : i.t('library.save')}
        </button>
        {!valid && <span class="muted small">{i.t('library.fixFirst')}</span>}
        {saved && (
          <span role="status" data-testid="scene-saved">
            ✓ {saved}
          </span>
        )}
        {stored && <DeleteButton name={draft.name!} />}
      </div>
    </form>
  );
}

/** Moves layer n one place up (+1, drawn later: on top) or down (-1). */
function move(d: Scene, n: number, by: 1 | -1): Scene {
  return { ...d, layers: move1(d.layers, n, by) };
}

function move1<T>(list: readonly T[], n: number, by: 1 | -1): T[] {
  const out = list.slice();
  const [item] = out.splice(n, 1);
  out.splice(n + by, 0, item!);
  return out;
}

function DeleteButton({ name }: { name: string }) {
  const i = useI18n();
  const [error, setError] = useState<string | null>(null);
  const remove = async () => {
    if (!confirm(i.t('library.confirmDelete', { name }))) return;
    try {
      await deleteScene(name);
      location.hash = href({ view: 'scenes' });
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <>
      <button type="button" class="button button--danger" onClick={remove}>
        {i.t('library.delete')}
      </button>
      {error && <span class="form-error">{error}</span>}
    </>
  );
}

function AddPalette({ taken, onAdd }: { taken: string[]; onAdd: (key: string) => void }) {
  const i = useI18n();
  const [key, setKey] = useState('');
  const bad = key !== '' && (!/^[a-z0-9][a-z0-9-]{0,31}$/.test(key) || taken.includes(key));
  return (
    <div class="scene-editor__row">
      <TextInput path="/palettes/+" label={i.t('library.paletteName')} value={key} problem={bad ? i.t('library.paletteNameBad') : undefined} onText={setKey} />
      <button type="button" class="button button--quiet" disabled={key === '' || bad} onClick={() => (onAdd(key), setKey(''))}>
        {i.t('library.addPalette')}
      </button>
    </div>
  );
}

function Field(props: { path: string; label: string; problem?: string | undefined; hint?: string | undefined; children: preact.ComponentChildren }) {
  const id = fieldId(props.path);
  return (
    <div class={`field${props.problem ? ' field--invalid' : ''}`} data-field={props.path}>
      <label for={id}>{props.label}</label>
      {props.children}
      {props.hint && !props.problem && <span class="field__hint muted small">{props.hint}</span>}
      {props.problem && (
        <span class="field__problem" id={`${id}-problem`} data-problem={id} role="alert">
          <span aria-hidden="true">⚠ </span>
          {props.problem}
        </span>
      )}
    </div>
  );
}

const described = (path: string, problem: string | undefined) => (problem ? { 'aria-invalid': true, 'aria-describedby': `${fieldId(path)}-problem` } : {});

/** A text field that keeps what is typed (the draft may normalise it) and reports each change. */
function TextInput(props: { path: string; label: string; value: string; problem?: string | undefined; hint?: string | undefined; disabled?: boolean; list?: string; onText: (text: string) => void }) {
  const [text, setText] = useState(props.value);
  return (
    <Field path={props.path} label={props.label} problem={props.problem} hint={props.hint}>
      <input
        id={fieldId(props.path)}
        type="text"
        value={text}
        disabled={props.disabled}
        list={props.list}
        {...described(props.path, props.problem)}
        onInput={(e) => {
          const t = (e.currentTarget as HTMLInputElement).value;
          setText(t);
          props.onText(t);
        }}
      />
    </Field>
  );
}

function NumberInput(props: { path: string; label: string; value: unknown; min?: number | undefined; max?: number | undefined; unit?: string | undefined; hint?: string | undefined; problem?: string | undefined; onValue: (v: unknown) => void }) {
  const i = useI18n();
  const [text, setText] = useState(props.value === undefined ? '' : String(props.value));
  const range = props.min !== undefined && props.max !== undefined ? i.t('library.range', { min: props.min, max: props.max, unit: props.unit ?? '' }) : undefined;
  return (
    <Field path={props.path} label={props.label} problem={props.problem} hint={[props.hint, range].filter(Boolean).join(' · ')}>
      <input
        id={fieldId(props.path)}
        type="text"
        inputMode="decimal"
        value={text}
        placeholder={i.t('library.default')}
        {...described(props.path, props.problem)}
        onInput={(e) => {
          const t = (e.currentTarget as HTMLInputElement).value;
          setText(t);
          props.onValue(readNumber(t));
        }}
      />
    </Field>
  );
}

function SelectInput(props: { path: string; label: string; value: string; options: readonly string[]; problem?: string | undefined; onValue: (v: string) => void }) {
  return (
    <Field path={props.path} label={props.label} problem={props.problem}>
      <select id={fieldId(props.path)} value={props.value} {...described(props.path, props.problem)} onChange={(e) => props.onValue((e.currentTarget as HTMLSelectElement).value)}>
        {!props.options.includes(props.value) && <option value={props.value}>{props.value}</option>}
        {props.options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </Field>
  );
}

function ParamInput(props: { field: ParamField; path: string; value: unknown; problem?: string | undefined; palettes: string[]; onValue: (v: unknown) => void; onLocal: (path: string, problem: string | null) => void }) {
  const i = useI18n();
  const { field, path } = props;
  const label = `${field.key}`;
  const hint = field.description;
  const input = field.input;
  switch (input.kind) {
    case 'number':
      return <NumberInput path={path} label={label} value={props.value} min={input.min} max={input.max} unit={input.unit} hint={hint} problem={props.problem} onValue={props.onValue} />;
    case 'choice':
      return <SelectInput path={path} label={label} value={String(props.value ?? field.default ?? '')} options={input.options} problem={props.problem} onValue={props.onValue} />;
    case 'boolean':
      return (
        <Field path={path} label={label} problem={props.problem} hint={hint}>
          <input id={fieldId(path)} type="checkbox" checked={props.value === undefined ? field.default === true : props.value === true} onChange={(e) => props.onValue((e.currentTarget as HTMLInputElement).checked)} />
        </Field>
      );
    case 'color':
    case 'palette': {
      const listId = input.kind === 'palette' ? `${fieldId(path)}-list` : undefined;
      return (
        <>
          <TextInput path={path} label={label} value={props.value === undefined ? '' : String(props.value)} hint={`${hint}${field.default !== undefined ? ` · ${i.t('library.defaultIs', { value: String(field.default) })}` : ''}`} problem={props.problem} {...(listId ? { list: listId } : {})} onText={(t) => props.onValue(t.trim() === '' ? undefined : t.trim())} />
          {listId && (
            <datalist id={listId}>
              {props.palettes.map((n) => (
                <option key={n} value={n} />
              ))}
            </datalist>
          )}
        </>
      );
    }
    case 'json':
      return <JsonInput path={path} label={label} value={props.value} hint={hint} problem={props.problem} onValue={props.onValue} onLocal={props.onLocal} />;
  }
}

/** Nested parameters (a timeline's cues) as JSON text: parsed as typed, unparsable text reported at the field. */
function JsonInput(props: { path: string; label: string; value: unknown; hint?: string; problem?: string | undefined; onValue: (v: unknown) => void; onLocal: (path: string, problem: string | null) => void }) {
  const i = useI18n();
  const [text, setText] = useState(props.value === undefined ? '' : JSON.stringify(props.value, null, 1));
  useEffect(() => () => props.onLocal(props.path, null), []);
  return (
    <Field path={props.path} label={props.label} problem={props.problem} hint={props.hint}>
      <textarea
        id={fieldId(props.path)}
        rows={4}
        value={text}
        {...described(props.path, props.problem)}
        onInput={(e) => {
          const t = (e.currentTarget as HTMLTextAreaElement).value;
          setText(t);
          if (t.trim() === '') {
            props.onLocal(props.path, null);
            props.onValue(undefined);
            return;
          }
          try {
            props.onValue(JSON.parse(t));
            props.onLocal(props.path, null);
          } catch {
            props.onLocal(props.path, i.t('library.badJson'));
          }
        }}
      />
    </Field>
  );
}

/**
 * Watts and energy on one compound's groups for some hours. A draft (not saved, or changed since) is
 * estimated here in the page with the controller's own estimate code (`energy.ts`: the scenes power model
 * over a one-minute window, scaled), so it works before saving; a saved, unchanged scene asks the controller
 * (`POST /api/compounds/:compound/energy-estimate`). Both at full group brightness.
 */
function EnergyPanel({ county, name, draft, saved }: { county: County; name: string; draft: Scene | null; saved: boolean }) {
  const i = useI18n();
  const [compound, setCompound] = useState(county.compounds[0]?.id ?? '');
  const [hours, setHours] = useState('4');
  const [result, setResult] = useState<{ total: EnergyEstimate['total']; groups: number; where: 'page' | 'controller' } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const h = Number(hours);
  const hoursBad = !(Number.isInteger(h) && h >= 1 && h <= 24);
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      if (saved) {
        const e = await estimateEnergy(compound, name, h * 60);
        setResult({ total: e.total, groups: e.groups.length, where: 'controller' });
      } else if (draft) {
        const groups = county.compound(compound)?.groups ?? [];
        // Let the busy state paint before the rendering (a few hundred ms for a large compound).
        await new Promise((r) => setTimeout(r, 0));
        const e = estimateGroups(draft, groups, { brightness: 255, minutes: h * 60, seed: 0 });
        setResult({ total: e.total, groups: e.groups.length, where: 'page' });
      }
    } catch (err) {
      setResult(null);
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <fieldset class="energy" data-testid="energy-panel">
      <legend>{i.t('library.energy')}</legend>
      <div class="field">
        <label for="energy-compound">{i.t('library.energyCompound')}</label>
        <select id="energy-compound" value={compound} onChange={(e) => (setCompound((e.currentTarget as HTMLSelectElement).value), setResult(null))}>
          {county.compounds.map((c) => (
            <option key={c.id} value={c.id}>
              {i.name(c, c.id)}
            </option>
          ))}
        </select>
      </div>
      <div class={`field${hoursBad ? ' field--invalid' : ''}`}>
        <label for="energy-hours">{i.t('library.energyHours')}</label>
        <input id="energy-hours" type="text" inputMode="numeric" value={hours} aria-invalid={hoursBad || undefined} onInput={(e) => (setHours((e.currentTarget as HTMLInputElement).value), setResult(null))} />
        {hoursBad && <span class="field__problem">⚠ {i.t('library.energyHoursBad')}</span>}
      </div>
      <button type="button" class="button button--quiet" disabled={busy || hoursBad || !compound || (!saved && !draft)} onClick={run} data-testid="energy-run">
        {i.t('library.energyRun')}
      </button>
      <p class="muted small">{saved ? i.t('library.energySaved') : i.t('library.energyDraft')}</p>
      {error && <p class="form-error">{error}</p>}
      {result && (
        <p data-testid="energy-result" data-where={result.where}>
          {i.t('library.energyResult', { kwh: (result.total.wattHours / 1000).toFixed(2), avg: Math.round(result.total.averageWatts), peak: Math.round(result.total.peakWatts), groups: result.groups })}
        </p>
      )}
    </fieldset>
  );
}
