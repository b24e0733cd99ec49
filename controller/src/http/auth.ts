import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CaidengError } from '@caideng/protocol';

/** preHandler for routes that change lanterns or stored data: `Authorization: Bearer <operator token>`. */
export function requireOperator(app: FastifyInstance) {
  return async (req: FastifyRequest): Promise<void> => {
    const header = req.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    if (!app.caideng.credentials.verifyOperator(token)) throw new CaidengError('CAIDENG_ERR_UNAUTHORIZED');
  };
}
