/**
 * One error body everywhere: `{ statusCode, code, error, message, details? }`, with codes from
 * protocol/src/errors.ts. Validation errors list every problem with its JSON path.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { CaidengError, ERRORS, formatError, type ErrorCode } from '@caideng/protocol';
import { STATUS_CODES } from 'node:http';

export interface ErrorBody {
  statusCode: number;
  code: ErrorCode;
  error: string;
  message: string;
  details?: unknown;
}

export function errorBody(code: ErrorCode, message: string, details?: unknown): ErrorBody {
  const statusCode = ERRORS[code].status || 500;
  return { statusCode, code, error: STATUS_CODES[statusCode] ?? 'Error', message, ...(details !== undefined ? { details } : {}) };
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send(errorBody('CAIDENG_ERR_NOT_FOUND', formatError('CAIDENG_ERR_NOT_FOUND', `${req.method} ${req.url.split('?')[0]}`)));
  });
  app.setErrorHandler((err: FastifyError | CaidengError, req, reply) => {
    if (err instanceof CaidengError) {
      // A busy controller says when to come back (the rate limiter sets its own retry-after).
      if (err.statusCode === 503 && !reply.hasHeader('retry-after')) reply.header('retry-after', '1');
      return reply.code(err.statusCode).send(errorBody(err.code, err.message, err.details));
    }
    const fe = err as FastifyError;
    if (fe.validation) {
      const details = fe.validation.map((v) => {
        const params = v.params as Record<string, unknown>;
        const path = `${fe.validationContext ?? 'body'}${v.instancePath || ''}`;
        if (v.keyword === 'additionalProperties') return { path, message: `unknown property '${String(params.additionalProperty)}'` };
        return { path, message: v.message ?? 'invalid' };
      });
      const summary = details.map((d) => `${d.path}: ${d.message}`).join('; ');
      return reply.code(400).send(errorBody('CAIDENG_ERR_VALIDATION', formatError('CAIDENG_ERR_VALIDATION', summary), details));
    }
    if (fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (fe.statusCode === 400 && err instanceof SyntaxError)) {
      return reply.code(400).send(errorBody('CAIDENG_ERR_BAD_JSON', formatError('CAIDENG_ERR_BAD_JSON', fe.message)));
    }
    if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.code(413).send(errorBody('CAIDENG_ERR_PAYLOAD_TOO_LARGE', ERRORS.CAIDENG_ERR_PAYLOAD_TOO_LARGE.message));
    }
    if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return reply.code(415).send(errorBody('CAIDENG_ERR_UNSUPPORTED_MEDIA', ERRORS.CAIDENG_ERR_UNSUPPORTED_MEDIA.message));
    }
    if (fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
      return reply.code(400).send(errorBody('CAIDENG_ERR_BAD_JSON', formatError('CAIDENG_ERR_BAD_JSON', 'body is empty')));
    }
    req.log.error({ err }, 'request failed');
    return reply.code(500).send(errorBody('CAIDENG_ERR_INTERNAL', ERRORS.CAIDENG_ERR_INTERNAL.message));
  });
}
