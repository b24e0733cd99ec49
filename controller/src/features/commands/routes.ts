/**
 * Commands to a lantern group or a whole compound: play scene / power / brightness. Mutating routes
 * need the operator token. `?wait=ms` answers once every group has acked (or the wait is over), with
 * each delivery's outcome; without it the answer is 202 with a URL to follow.
 */
import type { FastifyInstance, FastifyReply, preHandlerAsyncHookHandler } from 'fastify';
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

export interface CommandRoutesOptions {
  commands: Commands;
  guard: preHandlerAsyncHookHandler;
}

const operator = [{ operator: [] }];
const issued = {
  200: answer(CommandRecord, 'with ?wait: the command once every group has acked or the wait is over (`pending` counts the rest)'),
  202: answer(CommandRecord, 'without ?wait: the command as sent; follow the location header (GET /api/commands/{id})'),
};

export default async function commandRoutes(app: FastifyInstance, { commands, guard }: CommandRoutesOptions): Promise<void> {
  const issue = async (compound: string, request: CommandRequest, wait: string | undefined, reply: FastifyReply) => {
    checkCommandTimes(request, Date.now());
    // The operator token is the only credential the API has today; accounts will name the user here.
    const { id } = await commands.send(compound, request, { source: 'api', issuer: 'operator-token' });
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
    { schema: { params: CompoundParams, body: CompoundCommandBody, querystring: WaitQuery, security: operator, response: issued }, preHandler: guard },
    async (req, reply) => issue(req.params.compound, req.body as CommandRequest, req.query.wait, reply),
  );

  app.post<{ Params: GroupParams; Body: GroupCommandBody; Querystring: WaitQuery }>(
    '/api/compounds/:compound/groups/:group/commands',
    { schema: { params: GroupParams, body: GroupCommandBody, querystring: WaitQuery, security: operator, response: issued }, preHandler: guard },
    async (req, reply) => issue(req.params.compound, { ...(req.body as CommandRequest), groups: [req.params.group] }, req.query.wait, reply),
  );

  app.get<{ Params: CommandParams }>(
    '/api/commands/:id',
    { schema: { params: CommandParams, response: { 200: answer(CommandRecord, "the command and each group's delivery") } } },
    async (req) => {
      const record = await commands.get(req.params.id);
      if (!record) throw new CaidengError('CAIDENG_ERR_COMMAND_NOT_FOUND', [req.params.id]);
      return record;
    },
  );
}
