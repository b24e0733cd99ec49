/**
 * The county wall (全县大屏): every compound of the caller's scope as a tile, grouped by street, readable
 * from across a room. A compound that is dark or plays something other than the schedule says stands out
 * by a thick outline, an icon and a word, not by colour alone. Live from the socket.io pushes; the
 * schedule's "now" is fetched again after a reconnect.
 */
import { useState } from 'preact/hooks';
import type { County, CompoundInfo } from '../../data/county';
import { deviceKey, live } from '../../data/live';
import { useSceneTitle } from '../../data/scenes';
import { subscribeWallData, wallData } from '../../data/wall';
import { useCompoundFeedback, type CompoundFeedback } from '../../components/feedbackSummary';
import { useI18n } from '../../i18n';
import { href } from '../../lib/router';
import { useStore, useSubscription } from '../../lib/store';
import { useDocumentTitle } from '../title';
import { isProblem, problemRank, wallTile, type WallCondition, type WallTileModel } from './wallModel';

export const WALL_SORTS = ['name', 'problems', 'index'] as const;
export type WallSort = (typeof WALL_SORTS)[number];

const ICON: Record<WallCondition, string> = { dark: '✕', wrong: '⚠', fault: '⚡', partial: '◐', ok: '✓' };

interface Row {
  compound: CompoundInfo;
  model: WallTileModel;
  feedback: CompoundFeedback;
  energy: { kWh: number; budget: number } | undefined;
}

export function WallView({ county }: { county: County }) {
  useSubscription(subscribeWallData);
  const i = useI18n();
  const state = useStore(live);
  const data = useStore(wallData);
  const feedbackOf = useCompoundFeedback();
  const [sort, setSort] = useState<WallSort>('name');
  const [street, setStreet] = useState('');
  const [onlyProblems, setOnlyProblems] = useState(false);
  useDocumentTitle(i.t('wall.title'));
  const now = Date.now() + data.offsetMs;

  const rows: Row[] = county.compounds.map((c) => {
    const ids = c.groups.map((g) => g.id);
    const model = wallTile(
      state.summaries.get(c.id),
      ids.map((g) => state.devices.get(deviceKey(c.id, 'group', g))),
      data.loaded ? data.intents.get(c.id) : undefined,
      ids,
      now,
    );
    const budget = data.budgets.get(c.id);
    const kWh = data.energy.get(c.id);
    return { compound: c, model, feedback: feedbackOf(c.id), energy: budget !== undefined && kWh !== undefined ? { kWh, budget } : undefined };
  });
  const shown = rows.filter((r) => (!street || r.compound.street === street) && (!onlyProblems || isProblem(r.model.condition)));
  const byName = (a: Row, b: Row) => i.name(a.compound).localeCompare(i.name(b.compound), i.locale);
  shown.sort(
    sort === 'problems'
      ? (a, b) => problemRank(a.model) - problemRank(b.model) || byName(a, b)
      : sort === 'index'
        ? (a, b) => (a.feedback.index?.index ?? Infinity) - (b.feedback.index?.index ?? Infinity) || byName(a, b)
        : byName,
  );
  const problems = rows.filter((r) => isProblem(r.model.condition)).length;
  const streets = county.info.streets;
  // By name, the tiles stand in their streets (the county's schematic); any other order is one list.
  const sections = sort === 'name' ? streets.map((s) => ({ id: s.id, title: i.name(s), rows: shown.filter((r) => r.compound.street === s.id) })).filter((s) => s.rows.length > 0) : [{ id: 'all', title: '', rows: shown }];

  return (
    <section class="wall" aria-labelledby="wall-title" data-testid="wall">
      <div class="wall__bar">
        <h1 id="wall-title" class="wall__title">
          {i.name(county.info.county)} · {i.t('wall.title')}
        </h1>
        <p class="wall__count" data-testid="wall-problems" aria-live="polite">
          {problems === 0 ? i.t('wall.allWell', { n: rows.length }) : i.t('wall.problems', { n: problems, total: rows.length })}
        </p>
        <div class="wall__controls">
          <label>
            {i.t('wall.sort')}
            <select value={sort} data-testid="wall-sort" onChange={(e) => setSort((e.currentTarget as HTMLSelectElement).value as WallSort)}>
              {WALL_SORTS.map((s) => (
                <option key={s} value={s}>
                  {i.t(`wall.sort.${s}`)}
                </option>
              ))}
            </select>
          </label>
          <label>
            {i.t('wall.street')}
            <select value={street} data-testid="wall-street" onChange={(e) => setStreet((e.currentTarget as HTMLSelectElement).value)}>
              <option value="">{i.t('wall.street.all')}</option>
              {streets.map((s) => (
                <option key={s.id} value={s.id}>
                  {i.name(s)}
                </option>
              ))}
            </select>
          </label>
          <label class="wall__check">
            <input type="checkbox" checked={onlyProblems} data-testid="wall-only-problems" onChange={(e) => setOnlyProblems((e.currentTarget as HTMLInputElement).checked)} />
            {i.t('wall.onlyProblems')}
          </label>
        </div>
      </div>
      {shown.length === 0 && <p class="panel muted wall__empty">{i.t('wall.none')}</p>}
      {sections.map((s) => (
        <div key={s.id} class="wall__street">
          {s.title && <h2 class="wall__street-title">{s.title}</h2>}
          <ul class="wall__grid" data-testid="wall-tiles">
            {s.rows.map((r) => (
              <WallTile key={r.compound.id} row={r} county={county} showStreet={sort !== 'name'} />
            ))}
          </ul>
        </div>
      ))}
    </section>
  );
}

function WallTile({ row, county, showStreet }: { row: Row; county: County; showStreet: boolean }) {
  const i = useI18n();
  const title = useSceneTitle();
  const { compound: c, model: m, feedback: f, energy } = row;
  const scenes = (names: string[], off: string) => (names.length ? i.list(names.slice(0, 2).map(title)) + (names.length > 2 ? ' …' : '') : off);
  const playing = m.online === 0 ? i.t('wall.noSignal') : scenes(m.playing, i.t('wall.off'));
  const expected = m.shouldLight ? scenes(m.expected, i.t('wall.lit')) : i.t('wall.off');
  const over = energy !== undefined && energy.kWh > energy.budget;
  return (
    <li class={`wall-tile wall-tile--${m.condition}`} data-testid="wall-tile" data-compound={c.id} data-condition={m.condition}>
      <a class="wall-tile__link" href={href({ view: 'compound', compound: c.id })}>
        <span class="wall-tile__head">
          <span class="wall-tile__name">{i.name(c)}</span>
          {showStreet && <span class="wall-tile__area muted">{i.name(county.area(c.street))}</span>}
        </span>
        <span class="wall-tile__row">
          <span class="wall-tile__status" data-testid="wall-status">
            <span class="wall-tile__icon" aria-hidden="true">
              {ICON[m.condition]}
            </span>
            {i.t(`wall.cond.${m.condition}`)}
          </span>
          <span class="wall-tile__online" data-testid="wall-online">
            {i.t('wall.online', { online: m.online, total: m.total })}
          </span>
        </span>
        <span class={`wall-tile__line${m.mismatched > 0 ? ' wall-tile__line--bad' : ''}`} data-testid="wall-shows">
          <span class="muted">{i.t('wall.playing')}</span> {playing} <span class="muted">· {i.t('wall.expected')}</span> {expected}
          {m.mismatched > 0 && ` · ${i.t('wall.mismatched', { n: m.mismatched })}`}
        </span>
        <span class="wall-tile__facts">
          <span class={m.faults > 0 ? 'wall-tile__bad' : ''}>{i.t('wall.faults', { n: m.faults })}</span>
          {energy && (
            <span class={over ? 'wall-tile__bad' : ''} data-testid="wall-energy">
              {over && '⚠ '}
              {i.t('wall.energy', { kwh: energy.kWh.toFixed(1), budget: energy.budget })}
            </span>
          )}
          <span data-testid="wall-index">{f.index?.index != null ? i.t('wall.index', { index: f.index.index }) : i.t('wall.noIndex')}</span>
          <span class={f.escalated > 0 ? 'wall-tile__bad' : ''} data-testid="wall-tickets">
            {i.t('wall.tickets', { open: f.open, escalated: f.escalated })}
          </span>
        </span>
      </a>
    </li>
  );
}
