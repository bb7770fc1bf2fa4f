/** JSON schemas shared by routes: the validation, the OpenAPI document and the contract the harness checks. */
export const citationSchema = {
  type: 'object',
  required: ['title', 'url', 'file_path', 'score', 'snippet'],
  properties: {
    title: { type: 'string' },
    url: { type: 'string' },
    file_path: { type: 'string' },
    score: { type: 'number' },
    snippet: { type: 'string' },
  },
} as const;

export const uuidSchema = { type: 'string', format: 'uuid' } as const;

export const maxQueryLength = 4_000;
export const maxSelectedTextLength = 20_000;
