import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../backend/src/config.ts';
import { ragSettings } from '../../../backend/src/rag/settings.ts';

const required = {
  QDRANT_URL: 'http://qdrant.railway.internal:6333',
  QDRANT_API_KEY: 'q-secret-canary',
  QDRANT_COLLECTION: 'book',
  COHERE_API_KEY: 'c-secret-canary',
};

function message(env: NodeJS.ProcessEnv): string {
  try {
    ragSettings(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('ragSettings', () => {
  it('refuses an embedding size the model does not produce, naming the variable', () => {
    expect(message({ ...required, COHERE_EMBED_DIMENSION: '512' })).toContain(
      'COHERE_EMBED_DIMENSION is malformed (expected a size the model produces (embed-v4.0: 256, 512, 1024, 1536)',
    );
    expect(message({ ...required, COHERE_EMBED_MODEL: 'embed-v4.0', COHERE_EMBED_DIMENSION: '300' })).toContain(
      'COHERE_EMBED_DIMENSION is malformed',
    );
    expect(
      ragSettings({ ...required, COHERE_EMBED_MODEL: 'embed-v4.0', COHERE_EMBED_DIMENSION: '512' })
        .COHERE_EMBED_DIMENSION,
    ).toBe(512);
  });

  it('fills the defaults', () => {
    expect(ragSettings(required)).toEqual({
      ...required,
      COHERE_EMBED_MODEL: 'embed-english-v3.0',
      COHERE_CHAT_MODEL: 'command-a-03-2025',
      RAG_TOP_K: 5,
      RAG_CHUNK_SIZE: 800,
      RAG_CHUNK_OVERLAP: 150,
    });
  });

  it('names every missing variable, treating an empty one as missing', () => {
    expect(message({ QDRANT_URL: 'http://q:6333', QDRANT_API_KEY: '' })).toBe(
      'invalid environment: QDRANT_API_KEY is required but not set; QDRANT_COLLECTION is required but not set; ' +
        'COHERE_API_KEY is required but not set',
    );
  });

  it('names a malformed variable without echoing its value', () => {
    const text = message({ ...required, COHERE_BASE_URL: 'c-secret-canary', RAG_TOP_K: 'many' });
    expect(text).toBe(
      'invalid environment: COHERE_BASE_URL is malformed (expected an http(s) URL); ' +
        'RAG_TOP_K is malformed (expected an integer from 1 to 50)',
    );
  });

  it('refuses an overlap as long as the chunk', () => {
    expect(message({ ...required, RAG_CHUNK_SIZE: '200', RAG_CHUNK_OVERLAP: '200' })).toBe(
      'invalid environment: RAG_CHUNK_OVERLAP is malformed (expected an integer from 0 to 5000, below RAG_CHUNK_SIZE)',
    );
  });
});
