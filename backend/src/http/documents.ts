import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { IngestService } from '../contracts.ts';
import { errorBodySchema, sendError } from './errors.ts';

export interface DocumentsOptions {
  ingest: IngestService;
  /** Undefined disables ingestion over HTTP. */
  adminToken: string | undefined;
  bodyLimitBytes: number;
}

interface DocumentsBody {
  documents: { id?: string; title: string; url?: string; file_path?: string; text: string }[];
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : '');
  const expected = Buffer.from(token);
  // Constant time, so the token cannot be guessed byte by byte from response times.
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export async function documentRoutes(app: FastifyInstance, options: DocumentsOptions): Promise<void> {
  app.post<{ Body: DocumentsBody }>(
    '/api/v1/documents',
    {
      bodyLimit: options.bodyLimitBytes,
      // Authentication before the body is parsed and validated: strangers learn nothing about the schema.
      onRequest: async (request, reply) => {
        if (!options.adminToken)
          return sendError(reply, 403, 'ingestion_disabled', 'set ADMIN_TOKEN to enable ingestion');
        if (!tokenMatches(request.headers.authorization, options.adminToken)) {
          return sendError(reply, 401, 'unauthorized', 'a valid admin bearer token is required');
        }
      },
      schema: {
        summary: 'Admin: chunk, embed and store documents for retrieval',
        security: [{ bearerAuth: [] }],
        body: {
          type: 'object',
          required: ['documents'],
          additionalProperties: false,
          properties: {
            documents: {
              type: 'array',
              minItems: 1,
              maxItems: 500,
              items: {
                type: 'object',
                required: ['title', 'text'],
                additionalProperties: false,
                properties: {
                  id: { type: 'string', minLength: 1, maxLength: 200 },
                  title: { type: 'string', minLength: 1, maxLength: 500 },
                  url: { type: 'string', maxLength: 2_000 },
                  file_path: { type: 'string', maxLength: 1_000 },
                  text: { type: 'string', minLength: 1 },
                },
              },
            },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['documents', 'chunks'],
            properties: { documents: { type: 'integer' }, chunks: { type: 'integer' } },
          },
          '4xx': errorBodySchema,
          '5xx': errorBodySchema,
        },
      },
    },
    async (request) => options.ingest.ingest(request.body.documents),
  );
}
