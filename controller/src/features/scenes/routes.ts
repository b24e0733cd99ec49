/**
 * Scenes: the built-in lantern catalog (read-only, copyable) and the county's own scenes (CRUD).
 * Changes need the operator token. Bodies are scene JSON, checked by the scenes library's validator,
 * which reports every problem with its JSON path.
 */
import type { FastifyInstance, preHandlerAsyncHookHandler } from 'fastify';
import Type from 'typebox';
import { CaidengError, ID_PATTERN, SceneRef } from '@caideng/protocol';
import type { Registry } from '../../registry/registry.js';
import type { SceneLibrary } from './sceneLibrary.js';

const NameParams = Type.Object({ name: Type.String({ pattern: ID_PATTERN }) }, { additionalProperties: false });
type NameParams = Type.Static<typeof NameParams>;
const SceneBody = Type.Object({}, { additionalProperties: true, description: 'scene JSON; see scenes/README.md' });
const CopyBody = Type.Object(
  {
    name: Type.String({ pattern: ID_PATTERN, description: 'name of the new scene' }),
    params: Type.Optional(Type.Record(Type.String(), Type.Union([Type.Number(), Type.String({ maxLength: 64 }), Type.Boolean()]))),
    title: Type.Optional(Type.Object({ zh: Type.Optional(Type.String({ maxLength: 32 })), en: Type.Optional(Type.String({ maxLength: 64 })) }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
type CopyBody = Type.Static<typeof CopyBody>;

const CompoundParams = Type.Object({ compound: Type.String({ pattern: ID_PATTERN }) }, { additionalProperties: false });
type CompoundParams = Type.Static<typeof CompoundParams>;
const EstimateBody = Type.Object(
  {
    scene: SceneRef,
    brightness: Type.Optional(Type.Integer({ minimum: 0, maximum: 255, description: 'group brightness 0-255' })),
    minutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 1440, default: 60, description: 'how long the scene plays' })),
    groups: Type.Optional(Type.Array(Type.String({ pattern: ID_PATTERN }), { minItems: 1, maxItems: 512, uniqueItems: true })),
  },
  { additionalProperties: false },
);
type EstimateBody = Type.Static<typeof EstimateBody>;

export interface SceneRoutesOptions {
  scenes: SceneLibrary;
  registry: Registry;
  guard: preHandlerAsyncHookHandler;
}

export default async function sceneRoutes(app: FastifyInstance, { scenes: library, registry, guard }: SceneRoutesOptions): Promise<void> {
  const scenes = () => library;

  app.get('/api/scenes', async () => scenes().list());

  app.get<{ Params: NameParams }>('/api/scenes/:name', { schema: { params: NameParams } }, async (req) => {
    const { summary, scene } = await scenes().get(req.params.name);
    return { ...summary, scene };
  });

  app.post('/api/scenes', { schema: { body: SceneBody }, preHandler: guard }, async (req, reply) => {
    const summary = await scenes().create(req.body);
    return reply.code(201).header('location', `/api/scenes/${summary.name}`).send(summary);
  });

  app.put<{ Params: NameParams }>('/api/scenes/:name', { schema: { params: NameParams, body: SceneBody }, preHandler: guard }, async (req) =>
    scenes().update(req.params.name, req.body),
  );

  app.delete<{ Params: NameParams }>('/api/scenes/:name', { schema: { params: NameParams }, preHandler: guard }, async (req, reply) => {
    await scenes().remove(req.params.name);
    return reply.code(204).send();
  });

  /** Estimated watts and energy of playing a scene on a compound's groups (the scenes library's power model). */
  app.post<{ Params: CompoundParams; Body: EstimateBody }>(
    '/api/compounds/:compound/energy-estimate',
    { schema: { params: CompoundParams, body: EstimateBody } },
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
    { schema: { params: NameParams, body: CopyBody }, preHandler: guard },
    async (req, reply) => {
      const summary = await scenes().copy(req.params.name, req.body.name, req.body.params ?? {}, req.body.title);
      return reply.code(201).header('location', `/api/scenes/${summary.name}`).send(summary);
    },
  );
}

function missing(group: string, compound: string): never {
  throw new CaidengError('CAIDENG_ERR_GROUP_NOT_FOUND', [group, compound]);
}
