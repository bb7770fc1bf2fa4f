import type { FastifyInstance } from 'fastify';
import type { AnswerService, ConversationStore } from '../contracts.ts';
import { errorBodySchema } from './errors.ts';
import { citationSchema, maxQueryLength, maxSelectedTextLength, uuidSchema } from './schemas.ts';

export interface QueryOptions {
  answers: AnswerService;
  store: ConversationStore;
  /** Requests per minute per client address on this route. */
  rateLimitPerMinute: number;
}

interface QueryBody {
  query: string;
  selected_text?: string;
  conversation_id?: string;
}

export async function queryRoutes(app: FastifyInstance, options: QueryOptions): Promise<void> {
  app.post<{ Body: QueryBody }>(
    '/api/v1/query',
    {
      config: { rateLimit: { max: options.rateLimitPerMinute, timeWindow: '1 minute' } },
      schema: {
        summary: 'Ask a question about the book; the answer cites the passages it used',
        body: {
          type: 'object',
          required: ['query'],
          additionalProperties: false,
          properties: {
            // Something besides whitespace, and no NUL (PostgreSQL text cannot hold it: a 400 here, not a 500 later).
            query: {
              type: 'string',
              minLength: 1,
              maxLength: maxQueryLength,
              pattern: '^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$',
            },
            selected_text: { type: 'string', maxLength: maxSelectedTextLength, pattern: '^[^\\u0000]*$' },
            conversation_id: uuidSchema,
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['answer', 'sources', 'citations', 'conversation_id', 'message_id'],
            properties: {
              answer: { type: 'string' },
              sources: { type: 'array', items: { type: 'string' } },
              citations: { type: 'array', items: citationSchema },
              conversation_id: uuidSchema,
              message_id: uuidSchema,
            },
          },
          '4xx': errorBodySchema,
          '5xx': errorBodySchema,
        },
      },
    },
    async (request) => {
      const { query, selected_text: selectedText, conversation_id: conversationId } = request.body;
      // Stored before any upstream call: a failed answer never loses the question.
      const question = await options.store.addQuestion({ conversationId, content: query, selectedText });
      const answer = await options.answers.answer({ query, selectedText });
      const stored = await options.store.addAnswer({
        conversationId: question.conversationId,
        content: answer.answer,
        citations: answer.citations,
      });
      return { ...answer, conversation_id: question.conversationId, message_id: stored.messageId };
    },
  );
}
