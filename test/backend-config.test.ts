import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../backend/src/config.ts';
import { poolOptions } from '../backend/src/database.ts';

const secretUrl = 'postgres://app:s3cret-canary@db.railway.internal:5432/railway?sslmode=require';
const required = {
  DATABASE_URL: secretUrl,
  QDRANT_URL: 'http://qdrant.railway.internal:6333',
  QDRANT_API_KEY: 'qdrant-canary',
  QDRANT_COLLECTION: 'book',
  COHERE_API_KEY: 'cohere-canary',
};

describe('reference backend configuration', () => {
  it('names every missing variable at once', () => {
    expect(() => loadConfig({})).toThrow(
      'invalid environment: DATABASE_URL is required but not set; QDRANT_URL is required but not set; ' +
        'QDRANT_API_KEY is required but not set; QDRANT_COLLECTION is required but not set; ' +
        'COHERE_API_KEY is required but not set',
    );
  });

  it('refuses a CORS wildcard with credentials', () => {
    expect(() => loadConfig({ ...required, CORS_ORIGINS: '*', CORS_ALLOW_CREDENTIALS: 'true' })).toThrow(
      /CORS_ORIGINS is malformed/,
    );
    expect(loadConfig({ ...required, CORS_ORIGINS: 'https://a.example, https://b.example' }).CORS_ORIGINS).toEqual([
      'https://a.example',
      'https://b.example',
    ]);
  });

  it('names a malformed variable without echoing its value', () => {
    let message = '';
    try {
      loadConfig({ DATABASE_URL: 'mysql://app:s3cret-canary@db/x', PORT: '80a' });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as Error).message;
    }
    expect(message).toContain('PORT is malformed');
    expect(message).toContain('DATABASE_URL is malformed');
    expect(message).not.toContain('s3cret-canary');
  });

  it('defaults PORT to 8000 and reads a given one', () => {
    expect(loadConfig(required).PORT).toBe(8000);
    expect(loadConfig({ ...required, PORT: '31337' }).PORT).toBe(31337);
  });
});

describe('reference backend version', () => {
  it('reports the commit Railway deployed', () => {
    expect(loadConfig({ ...required, RAILWAY_GIT_COMMIT_SHA: 'abc123' }).GIT_COMMIT).toBe('abc123');
    expect(loadConfig(required).GIT_COMMIT).toBe('unknown');
  });
});

describe('PostgreSQL sslmode', () => {
  it.each([
    ['require', { rejectUnauthorized: false }],
    ['prefer', { rejectUnauthorized: false }],
    ['verify-full', { rejectUnauthorized: true }],
    ['disable', false],
  ])('sslmode=%s gives ssl %j', (mode, ssl) => {
    const options = poolOptions(secretUrl.replace('require', mode));
    expect(options.ssl).toEqual(ssl);
    // pg would reinterpret sslmode itself (require as verify-full), so it must not reach it.
    expect(options.connectionString).not.toContain('sslmode');
  });
});
