import type { FastifyError, FastifyInstance } from 'fastify';

/**
 * JSON bodies are UTF-8 (RFC 8259): bytes that are not are refused with 400
 * instead of being read with replacement characters, and a Content-Encoding
 * the server does not decode is refused with 415 instead of being read as if
 * it were plain. Fastify's own JSON parser (with its __proto__ and
 * constructor.prototype refusals) does the parsing.
 */
export function installStrictBodies(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    let text: string;
    try {
      text = utf8.decode(body as Buffer);
    } catch {
      const error = new Error('the body is not valid UTF-8') as FastifyError;
      error.statusCode = 400;
      done(error, undefined);
      return;
    }
    parseJson(request, text, done);
  });
  app.addHook('onRequest', async (request, reply) => {
    const encoding = request.headers['content-encoding'];
    if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
      return reply
        .code(415)
        .type('application/json')
        .send({
          error: {
            code: 'unsupported_media_type',
            message: 'send the body without a Content-Encoding',
            request_id: String(request.id),
          },
        });
    }
  });
}
