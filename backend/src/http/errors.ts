import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ConversationNotFoundError, UpstreamError } from '../contracts.ts';
import { reportError } from '../error-tracking.ts';

/** Every error body: `{error:{code, message, request_id}}` with a 4xx/5xx status, never internals. */
export interface ErrorBody {
  error: { code: string; message: string; request_id: string };
}

export const errorBodySchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'request_id'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, request_id: { type: 'string' } },
    },
  },
} as const;

export function sendError(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  const body: ErrorBody = { error: { code, message, request_id: String(reply.request.id) } };
  return reply.code(status).type('application/json').send(body);
}

const upstreamMessages: Record<UpstreamError['code'], string> = {
  upstream_rate_limited: 'the answering service is busy; retry later',
  upstream_unavailable: 'a service the answer needs is unavailable; retry later',
  upstream_error: 'a service the answer needs failed; retry later',
};

/** Maps what routes throw to the error envelope; the detail goes to the log with the request id. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error.validation) {
      const issue = error.validation[0];
      const field = issue?.instancePath ? issue.instancePath.slice(1).replaceAll('/', '.') : error.validationContext;
      const what =
        issue?.keyword === 'required'
          ? `${String(issue.params.missingProperty)} is required`
          : issue?.keyword === 'additionalProperties'
            ? `unknown field ${String(issue.params.additionalProperty)}`
            : `${field} ${issue?.message}`;
      return sendError(reply, 400, 'bad_request', `invalid request: ${what}`);
    }
    if (error instanceof UpstreamError) {
      // A 5xx is an error line: the operator's alert should not depend on which dependency failed.
      request.log.error({ err: error, dependency: error.dependency }, 'upstream failure');
      if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
      return sendError(reply, 503, error.code, upstreamMessages[error.code]);
    }
    if (error instanceof ConversationNotFoundError) {
      return sendError(reply, 404, 'conversation_not_found', 'no such conversation');
    }
    const status = error.statusCode ?? 500;
    if (status === 429) return sendError(reply, 429, 'rate_limited', 'too many requests; retry later');
    if (status === 413) return sendError(reply, 413, 'payload_too_large', 'the request body is too large');
    if (status === 415)
      return sendError(reply, 415, 'unsupported_media_type', 'send JSON (content-type: application/json)');
    if (status >= 400 && status < 500) return sendError(reply, status, 'bad_request', 'the request is malformed');
    request.log.error({ err: error }, 'request failed');
    reportError(error, String(request.id));
    return sendError(reply, 500, 'internal_error', 'the server failed to answer; the request id is in the log');
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, 404, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}`),
  );
}
