import type { FastifyInstance } from 'fastify';
import type { ConversationStore } from '../contracts.ts';
import { errorBodySchema, sendError } from './errors.ts';
import { citationSchema, uuidSchema } from './schemas.ts';

const params = { type: 'object', required: ['id'], properties: { id: uuidSchema } } as const;

export async function conversationRoutes(app: FastifyInstance, options: { store: ConversationStore }): Promise<void> {
  app.get<{ Params: { id: string } }>(
    '/api/v1/conversations/:id',
    {
      schema: {
        summary: 'The stored messages of a conversation, oldest first',
        params,
        response: {
          200: {
            type: 'object',
            required: ['id', 'created_at', 'messages'],
            properties: {
              id: uuidSchema,
              created_at: { type: 'string' },
              messages: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['id', 'role', 'content', 'selected_text', 'citations', 'created_at'],
                  properties: {
                    id: uuidSchema,
                    role: { type: 'string', enum: ['user', 'assistant'] },
                    content: { type: 'string' },
                    selected_text: { type: ['string', 'null'] },
                    citations: { type: 'array', items: citationSchema },
                    created_at: { type: 'string' },
                  },
                },
              },
            },
          },
          '4xx': errorBodySchema,
          '5xx': errorBodySchema,
        },
      },
    },
    async (request, reply) => {
      const conversation = await options.store.getConversation(request.params.id);
      return conversation ?? sendError(reply, 404, 'conversation_not_found', 'no such conversation');
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/v1/conversations/:id',
    {
      schema: {
        summary: 'Delete a conversation and its messages',
        params,
        response: { 204: { type: 'null' }, '4xx': errorBodySchema, '5xx': errorBodySchema },
      },
    },
    async (request, reply) => {
      const deleted = await options.store.deleteConversation(request.params.id);
      return deleted ? reply.code(204).send() : sendError(reply, 404, 'conversation_not_found', 'no such conversation');
    },
  );
}
