/**
 * Scenes: the built-in lantern catalog (read-only, copyable) and the county's own scenes (CRUD).
 * Changes need the operator token. Bodies are scene JSON, checked by the scenes library's validator,
 * which reports every problem with its JSON path.
 */
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { ID_PATTERN } from '@caideng/protocol';
import { requireOperator } from '../auth.js';

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

export default async function sceneRoutes(app: FastifyInstance): Promise<void> {
  const guard = requireOperator(app);
  const scenes = () => app.caideng.scenes;

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

  app.post<{ Params: NameParams; Body: CopyBody }>(
    '/api/scenes/:name/copy',
    { schema: { params: NameParams, body: CopyBody }, preHandler: guard },
    async (req, reply) => {
      const summary = await scenes().copy(req.params.name, req.body.name, req.body.params ?? {}, req.body.title);
      return reply.code(201).header('location', `/api/scenes/${summary.name}`).send(summary);
    },
  );
}
