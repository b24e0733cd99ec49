/**
 * Scenes: the built-in lantern catalog (read-only, copyable) and the county's own scenes (CRUD).
 * Changes need the `author` action (staff, officers, admin). Bodies are scene JSON, checked by the scenes library's validator,
 * which reports every problem with its JSON path.
 */
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { SceneSchema } from '@caideng/scenes';
import { Brightness, CaidengError, EnergyEstimate, Id, SceneParams, SceneRef, SceneSummary } from '@caideng/protocol';
import { CompoundParams, NoContent, answer } from '../../http/schemas.js';
import type { Registry } from '../../registry/registry.js';
import type { SceneLibrary } from './sceneLibrary.js';

const closed = { additionalProperties: false } as const;

const NameParams = Type.Object({ name: Id }, closed);
type NameParams = Type.Static<typeof NameParams>;
const SceneBody = Type.Object({}, { additionalProperties: true, description: 'scene JSON; see scenes/README.md' });
const CopyBody = Type.Object(
  {
    name: answer(Id, 'name of the new scene'),
    params: Type.Optional(SceneParams),
    title: Type.Optional(Type.Object({ zh: Type.Optional(Type.String({ maxLength: 32 })), en: Type.Optional(Type.String({ maxLength: 64 })) }, closed)),
  },
  closed,
);
type CopyBody = Type.Static<typeof CopyBody>;

const EstimateBody = Type.Object(
  {
    scene: SceneRef,
    brightness: Type.Optional(Brightness),
    minutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 1440, default: 60, description: 'how long the scene plays' })),
    groups: Type.Optional(Type.Array(Id, { minItems: 1, maxItems: 512, uniqueItems: true, description: "the compound's groups to estimate; all when absent" })),
  },
  closed,
);
type EstimateBody = Type.Static<typeof EstimateBody>;

const SceneWithBody = Type.Interface([SceneSummary], { scene: SceneSchema }, closed);
const Stored = answer(SceneSummary, 'the stored scene; location names it');

export interface SceneRoutesOptions {
  scenes: SceneLibrary;
  registry: Registry;
}

export default async function sceneRoutes(app: FastifyInstance, { scenes: library, registry }: SceneRoutesOptions): Promise<void> {
  const scenes = () => library;

  app.get('/api/scenes', { config: { access: { action: 'read' } }, schema: { response: { 200: answer(Type.Array(SceneSummary), 'the built-in catalog, then the stored scenes') } } }, async () =>
    scenes().list(),
  );

  app.get<{ Params: NameParams }>(
    '/api/scenes/:name',
    { config: { access: { action: 'read' } }, schema: { params: NameParams, response: { 200: answer(SceneWithBody, 'the scene with its JSON') } } },
    async (req) => {
      const { summary, scene } = await scenes().get(req.params.name);
      return { ...summary, scene };
    },
  );

  app.post('/api/scenes', { config: { access: { action: 'author', audit: 'scene.create' } }, schema: { body: SceneBody, response: { 201: Stored } } }, async (req, reply) => {
    const summary = await scenes().create(req.body);
    return reply.code(201).header('location', `/api/scenes/${summary.name}`).send(summary);
  });

  app.put<{ Params: NameParams }>(
    '/api/scenes/:name',
    { config: { access: { action: 'author', audit: 'scene.update' } }, schema: { params: NameParams, body: SceneBody, response: { 200: answer(SceneSummary, 'the scene, its revision one higher') } } },
    async (req) => scenes().update(req.params.name, req.body),
  );

  app.delete<{ Params: NameParams }>(
    '/api/scenes/:name',
    { config: { access: { action: 'author', audit: 'scene.delete' } }, schema: { params: NameParams, response: { 204: NoContent } } },
    async (req, reply) => {
      await scenes().remove(req.params.name);
      return reply.code(204).send();
    },
  );

  /**
   * Estimated watts and energy of playing a scene on a compound's groups (the scenes library's power model).
   * Rendering is real work: it runs in a worker thread, bounded in size,
   * queue and time (config `scenes`).
   */
  app.post<{ Params: CompoundParams; Body: EstimateBody }>(
    '/api/compounds/:compound/energy-estimate',
    {
      config: { access: { action: 'read', compound: 'param', audit: 'scene.estimate' } },
      schema: { params: CompoundParams, body: EstimateBody, response: { 200: answer(EnergyEstimate, 'watts and energy per group and in total') } },
    },
    async (req) => {
      const compound = registry.compound(req.params.compound);
      if (!compound) throw new CaidengError('CAIDENG_ERR_COMPOUND_NOT_FOUND', [req.params.compound]);
      const wanted = req.body.groups;
      const groups = wanted ? wanted.map((id) => registry.group(compound.id, id) ?? missing(id, compound.id)) : compound.groups;
      const minutes = req.body.minutes ?? 60;
      const estimate = await scenes().estimate(groups, req.body.scene, { minutes, ...(req.body.brightness !== undefined ? { brightness: req.body.brightness } : {}) });
      return { compound: compound.id, scene: req.body.scene, minutes, ...estimate };
    },
  );

  app.post<{ Params: NameParams; Body: CopyBody }>(
    '/api/scenes/:name/copy',
    { config: { access: { action: 'author', audit: 'scene.copy' } }, schema: { params: NameParams, body: CopyBody, response: { 201: Stored } } },
    async (req, reply) => {
      const summary = await scenes().copy(req.params.name, req.body.name, req.body.params ?? {}, req.body.title);
      return reply.code(201).header('location', `/api/scenes/${summary.name}`).send(summary);
    },
  );
}

function missing(group: string, compound: string): never {
  throw new CaidengError('CAIDENG_ERR_GROUP_NOT_FOUND', [group, compound]);
}
