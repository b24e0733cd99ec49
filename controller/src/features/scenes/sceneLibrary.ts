/**
 * The scene library: the built-in lantern catalog (read-only, from the scenes library) and the
 * county's own scenes, stored and validated here. Commands name a scene and parameters; this is where
 * both are checked before anything reaches the bus. Devices render locally: built-ins from their own
 * copy of the catalog, user scenes after fetching them once with the `scene.get` request.
 */
import {
  CATALOG,
  catalogEntry,
  resolveScene,
  sceneParams,
  validateScene,
  type ParamSpec,
  type Scene,
  type SceneError,
} from '@caideng/scenes';
import { CaidengError, type LanternGroupInfo, type SceneRef, type SceneSummary } from '@caideng/protocol';
import { Feature, type FeatureContext } from '../feature.js';
import { estimateWork, type EstimateResult, type GroupEstimate } from './energy.js';
import { Estimator } from './estimator.js';

export type { SceneSummary, GroupEstimate };

/** Parameters a user scene accepts: the scene-wide ones, applied over the stored values. */
const USER_PARAMS: Record<string, ParamSpec> = {
  speed: { type: 'number', min: 0.05, max: 20, default: 1, unit: 'factor', description: 'plays the scene faster or slower' },
  brightness: { type: 'number', min: 0, max: 1, default: 1, unit: 'fraction', description: 'scene brightness, on top of the group brightness' },
};

export class SceneLibrary extends Feature {
  /** Energy estimates, rendered in a worker thread. */
  readonly estimates: Estimator;

  constructor(ctx: FeatureContext) {
    super(ctx, 'scenes');
    this.estimates = new Estimator(ctx.config.scenes, this.log);
  }

  override async stop(): Promise<void> {
    await super.stop();
    await this.estimates.stop();
  }

  async list(): Promise<SceneSummary[]> {
    const builtins: SceneSummary[] = CATALOG.map((e) => ({ name: e.id, title: { zh: e.zh, en: e.en }, builtin: true, params: { ...sceneParams(e) } }));
    const rows = await this.ctx.db.selectFrom('scenes').selectAll().orderBy('name').execute();
    return [...builtins, ...rows.map((r) => this.summary(r))];
  }

  /** A scene as JSON: a built-in with its default parameters, or a stored scene as saved. */
  async get(name: string): Promise<{ summary: SceneSummary; scene: Scene }> {
    const entry = catalogEntry(name);
    if (entry) {
      const resolved = resolveScene(name, {});
      if (!resolved.ok) throw new CaidengError('CAIDENG_ERR_SCENE_INVALID', [resolved.errors.map(fmt).join('; ')], resolved.errors);
      return { summary: { name, title: { zh: entry.zh, en: entry.en }, builtin: true, params: { ...sceneParams(entry) } }, scene: resolved.scene };
    }
    const row = await this.ctx.db.selectFrom('scenes').selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) throw new CaidengError('CAIDENG_ERR_SCENE_NOT_FOUND', [name]);
    return { summary: this.summary(row), scene: JSON.parse(row.body_json) as Scene };
  }

  async create(body: unknown): Promise<SceneSummary> {
    const scene = this.validate(body);
    const name = scene.name!;
    if (catalogEntry(name)) throw new CaidengError('CAIDENG_ERR_SCENE_EXISTS', [name]);
    const now = Date.now();
    const result = await this.ctx.db
      .insertInto('scenes')
      .values({ name, title_zh: scene.title?.zh ?? null, title_en: scene.title?.en ?? null, body_json: JSON.stringify(scene), revision: 1, created_at: now, updated_at: now })
      .onConflict((oc) => oc.column('name').doNothing())
      .executeTakeFirst();
    if (Number(result.numInsertedOrUpdatedRows ?? 0n) === 0) throw new CaidengError('CAIDENG_ERR_SCENE_EXISTS', [name]);
    return (await this.get(name)).summary;
  }

  async update(name: string, body: unknown): Promise<SceneSummary> {
    if (catalogEntry(name)) throw new CaidengError('CAIDENG_ERR_SCENE_READ_ONLY', [name]);
    const scene = this.validate({ ...(body as object), name });
    const result = await this.ctx.db
      .updateTable('scenes')
      .set((eb) => ({
        title_zh: scene.title?.zh ?? null,
        title_en: scene.title?.en ?? null,
        body_json: JSON.stringify(scene),
        revision: eb('revision', '+', 1),
        updated_at: Date.now(),
      }))
      .where('name', '=', name)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw new CaidengError('CAIDENG_ERR_SCENE_NOT_FOUND', [name]);
    return (await this.get(name)).summary;
  }

  async remove(name: string): Promise<void> {
    if (catalogEntry(name)) throw new CaidengError('CAIDENG_ERR_SCENE_READ_ONLY', [name]);
    const result = await this.ctx.db.deleteFrom('scenes').where('name', '=', name).executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) throw new CaidengError('CAIDENG_ERR_SCENE_NOT_FOUND', [name]);
  }

  /** Copies a built-in (with parameters applied) or a stored scene to a new stored scene. */
  async copy(from: string, to: string, params: Record<string, unknown> = {}, title?: { zh?: string; en?: string }): Promise<SceneSummary> {
    let scene: Scene;
    if (catalogEntry(from)) {
      const resolved = resolveScene(from, params);
      if (!resolved.ok) throw new CaidengError('CAIDENG_ERR_SCENE_INVALID', [resolved.errors.map(fmt).join('; ')], resolved.errors);
      scene = resolved.scene;
    } else {
      scene = this.applyUserParams((await this.get(from)).scene, params);
    }
    return this.create({ ...scene, name: to, ...(title ? { title } : {}) });
  }

  /**
   * Checks a command's scene reference: the scene exists and the parameters are known and in range.
   * @throws CAIDENG_ERR_SCENE_NOT_FOUND or CAIDENG_ERR_SCENE_INVALID (with every problem in details).
   */
  async check(ref: SceneRef, at?: number): Promise<void> {
    await this.resolve(ref, at);
  }

  /** The scene a command plays: the built-in with its parameters, or the stored scene with its overrides. */
  async resolve(ref: SceneRef, at?: number): Promise<Scene> {
    if (catalogEntry(ref.name)) {
      const resolved = resolveScene(ref.name, ref.params ?? {}, at !== undefined ? { at } : {});
      if (!resolved.ok) throw new CaidengError('CAIDENG_ERR_SCENE_INVALID', [resolved.errors.map(fmt).join('; ')], resolved.errors);
      return resolved.scene;
    }
    const { scene } = await this.get(ref.name);
    return this.applyUserParams(scene, ref.params ?? {});
  }

  /**
   * Estimated power of playing a scene on a set of lantern groups, from the scenes library's power model:
   * each group's frames are rendered over a window (scenes loop) and their watts averaged. The rendering
   * runs in a worker thread, bounded in size (`scenes.estimateMaxWork`), queue and time.
   * @throws CAIDENG_ERR_ESTIMATE_TOO_LARGE, CAIDENG_ERR_ESTIMATE_BUSY, CAIDENG_ERR_ESTIMATE_TIMEOUT, or the scene's errors.
   */
  async estimate(groups: LanternGroupInfo[], ref: SceneRef, options: { brightness?: number; minutes: number }): Promise<EstimateResult> {
    const scene = await this.resolve(ref);
    const work = estimateWork(groups, options.minutes);
    const limit = this.ctx.config.scenes.estimateMaxWork;
    if (work > limit) throw new CaidengError('CAIDENG_ERR_ESTIMATE_TOO_LARGE', [work, limit]);
    const job = {
      scene,
      groups: groups.map(({ id, fixture, channels, ratedWatts }) => ({ id, fixture, channels, ratedWatts })),
      options: { brightness: options.brightness ?? 255, minutes: options.minutes, seed: ref.seed ?? 0 },
    };
    return this.estimates.run(job);
  }

  private applyUserParams(scene: Scene, params: Record<string, unknown>): Scene {
    const errors: SceneError[] = [];
    for (const key of Object.keys(params)) {
      if (!(key in USER_PARAMS)) errors.push({ path: `/params/${key}`, message: `unknown parameter '${key}'; stored scenes take: ${Object.keys(USER_PARAMS).join(', ')}` });
    }
    if (errors.length) throw new CaidengError('CAIDENG_ERR_SCENE_INVALID', [errors.map(fmt).join('; ')], errors);
    const applied = validateScene({ ...scene, ...params });
    if (!applied.ok) {
      const errs = applied.errors.map((e) => ({ path: `/params${e.path}`, message: e.message }));
      throw new CaidengError('CAIDENG_ERR_SCENE_INVALID', [errs.map(fmt).join('; ')], errs);
    }
    return applied.scene;
  }

  private validate(body: unknown): Scene {
    const checked = validateScene(body);
    if (!checked.ok) throw new CaidengError('CAIDENG_ERR_SCENE_INVALID', [checked.errors.map(fmt).join('; ')], checked.errors);
    if (!checked.scene.name) {
      const errors = [{ path: '/name', message: 'a stored scene needs a name ([a-z0-9-])' }];
      throw new CaidengError('CAIDENG_ERR_SCENE_INVALID', [fmt(errors[0]!)], errors);
    }
    return checked.scene;
  }

  private summary(r: { name: string; title_zh: string | null; title_en: string | null; revision: number; updated_at: number }): SceneSummary {
    return {
      name: r.name,
      title: { ...(r.title_zh ? { zh: r.title_zh } : {}), ...(r.title_en ? { en: r.title_en } : {}) },
      builtin: false,
      params: { ...USER_PARAMS },
      revision: Number(r.revision),
      updatedAt: Number(r.updated_at),
    };
  }
}

function fmt(e: SceneError): string {
  return `${e.path}: ${e.message}`;
}
