import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { CaidengError } from '@caideng/protocol';

/** Checks the operator's bearer token. */
export interface OperatorAuthenticator {
  verifyOperator(token: string | undefined): boolean;
}

/** preHandler for routes that change lanterns or stored data: `Authorization: Bearer <operator token>`. */
export function requireOperator(auth: OperatorAuthenticator): preHandlerAsyncHookHandler {
  return async (req: FastifyRequest): Promise<void> => {
    const header = req.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    if (!auth.verifyOperator(token)) throw new CaidengError('CAIDENG_ERR_UNAUTHORIZED');
  };
}
