/**
 * Commands to a lantern group or a whole compound: play scene / power / brightness. Sending one needs
 * the `operate` action on the compound (its staff, or an admin); the command records who sent it. `?wait=ms` answers once every group has acked (or the wait is over), with
 * each delivery's outcome; without it the answer is 202 with a URL to follow.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CaidengError, CommandRecord } from '@caideng/protocol';
import {
  CommandParams,
  CompoundCommandBody,
  CompoundParams,
  GroupCommandBody,
  GroupParams,
  WaitQuery,
  answer,
  checkCommandTimes,
} from '../../http/schemas.js';
import type { CommandRequest, Commands } from './commands.js';
import { assertAllowed } from '../../auth/http.js';

export interface CommandRoutesOptions {
  commands: Commands;
}
const issued = {
  200: answer(CommandRecord, 'with ?wait: the command once every group has acked or the wait is over (`pending` counts the rest)'),
  202: answer(CommandRecord, 'without ?wait: the command as sent; follow the location header (GET /api/commands/{id})'),
};

export default async function commandRoutes(app: FastifyInstance, { commands }: CommandRoutesOptions): Promise<void> {
  const issue = async (req: FastifyRequest, compound: string, request: CommandRequest, wait: string | undefined, reply: FastifyReply) => {
    checkCommandTimes(request, commands.now());
    // A person at the dashboard sends a manual command; a script with a token, an API one.
    const principal = req.principal!;
    const source = principal.via === 'session' ? 'manual' : 'api';
    const { id } = await commands.send(compound, request, { source, issuer: principal.username });
    if (wait !== undefined) {
      await commands.wait(id, Math.min(Number(wait), 60_000));
      const record = await commands.get(id);
      return reply.code(200).send(record);
    }
    const record = await commands.get(id);
    return reply.code(202).header('location', `/api/commands/${id}`).send(record);
  };

  app.post<{ Params: CompoundParams; Body: CompoundCommandBody; Querystring: WaitQuery }>(
    '/api/compounds/:compound/commands',
    {
      config: { access: { action: 'operate', compound: 'param', audit: 'command.compound' } },
      schema: { params: CompoundParams, body: CompoundCommandBody, querystring: WaitQuery, response: issued },
    },
    async (req, reply) => issue(req, req.params.compound, req.body as CommandRequest, req.query.wait, reply),
  );

  app.post<{ Params: GroupParams; Body: GroupCommandBody; Querystring: WaitQuery }>(
    '/api/compounds/:compound/groups/:group/commands',
    {
      config: { access: { action: 'operate', compound: 'param', audit: 'command.group' } },
      schema: { params: GroupParams, body: GroupCommandBody, querystring: WaitQuery, response: issued },
    },
    async (req, reply) => issue(req, req.params.compound, { ...(req.body as CommandRequest), groups: [req.params.group] }, req.query.wait, reply),
  );

  app.get<{ Params: CommandParams }>(
    '/api/commands/:id',
    { config: { access: { action: 'read' } }, schema: { params: CommandParams, response: { 200: answer(CommandRecord, "the command and each group's delivery") } } },
    async (req) => {
      const record = await commands.get(req.params.id);
      if (!record) throw new CaidengError('CAIDENG_ERR_COMMAND_NOT_FOUND', [req.params.id]);
      assertAllowed(req, 'read', record.compound);
      return record;
    },
  );
}
