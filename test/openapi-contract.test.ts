import { describe, expect, it } from 'vitest';
import { OpenApiContract } from './support/openapi.ts';

describe('OpenAPI contract validation', () => {
  const qdrant = new OpenApiContract('qdrant-openapi-v1.18.x.json');
  const cohere = new OpenApiContract('cohere-openapi.yaml');

  it('accepts a search answer shaped as Qdrant documents it', () => {
    const body = { result: [{ id: 1, version: 0, score: 0.5 }], status: 'ok', time: 0.001 };
    expect(qdrant.validateResponse('post', '/collections/docs/points/search', 200, body).errors).toEqual([]);
  });

  it('names what is wrong in a search answer that is not', () => {
    const body = { result: [{ id: 1, score: 'high' }], status: 'ok', time: 0.001 };
    expect(qdrant.validateResponse('post', '/collections/docs/points/search', 200, body).errors).toEqual([
      "/result/0 must have required property 'version'",
      '/result/0/score must be number',
    ]);
  });

  it('applies Qdrant numeric formats', () => {
    const result = qdrant.validateRequest('put', '/collections/docs', { vectors: { size: 1.5, distance: 'Cosine' } });
    expect(result.errors).toContain('/vectors/size must match format "uint64"');
  });

  it('follows shared response references in the Cohere document', () => {
    expect(cohere.validateResponse('post', '/v2/chat', 401, { message: 'invalid api token' }).errors).toEqual([]);
    expect(
      cohere.validateResponse('post', '/v2/embed', 200, { id: 'x', embeddings: { float: 'no' } }).errors,
    ).toContain('/embeddings/float must be array');
  });

  it('reads discriminator mappings, which plain oneOf cannot tell apart', () => {
    const answer = (sourceType: string) => ({
      id: 'c1',
      finish_reason: 'COMPLETE',
      message: {
        role: 'assistant',
        content: [{ type: 'text', text: 'Railway injects PORT.' }],
        citations: [
          {
            start: 0,
            end: 21,
            text: 'Railway injects PORT.',
            sources: [{ type: sourceType, id: 'doc:0', document: { id: 'doc:0', text: 'Railway injects PORT.' } }],
          },
        ],
      },
    });
    expect(cohere.validateResponse('post', '/v2/chat', 200, answer('document')).errors).toEqual([]);
    expect(cohere.validateResponse('post', '/v2/chat', 200, answer('bogus')).errors).not.toEqual([]);
  });

  it('refuses an operation the document does not have', () => {
    expect(() => qdrant.operation('post', '/no/such/path')).toThrow(/has no operation POST \/no\/such\/path/);
  });
});
