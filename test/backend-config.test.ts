import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../backend/src/config.ts';
import { poolOptions } from '../backend/src/database.ts';

const secretUrl = 'postgres://app:s3cret-canary@db.railway.internal:5432/railway?sslmode=require';

describe('reference backend configuration', () => {
  it('names a missing variable', () => {
    expect(() => loadConfig({})).toThrow(/DATABASE_URL is required but not set/);
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
    expect(loadConfig({ DATABASE_URL: secretUrl }).PORT).toBe(8000);
    expect(loadConfig({ DATABASE_URL: secretUrl, PORT: '31337' }).PORT).toBe(31337);
  });
});

describe('reference backend version', () => {
  it('reports the commit Railway deployed', () => {
    expect(loadConfig({ DATABASE_URL: secretUrl, RAILWAY_GIT_COMMIT_SHA: 'abc123' }).GIT_COMMIT).toBe('abc123');
    expect(loadConfig({ DATABASE_URL: secretUrl }).GIT_COMMIT).toBe('unknown');
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
