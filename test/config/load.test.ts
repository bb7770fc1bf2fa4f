import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.ts';
import { baseConfig, resolveRaw } from '../support/config.ts';

const base = baseConfig;
const resolve = resolveRaw;

function errorOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('loads the project config and applies defaults', async () => {
    const config = await loadConfig({ envName: 'local', env: {} });
    expect(config.environment).toEqual({ kind: 'local' });
    expect(config.target.paths.health).toBe('/health');
    expect(config.thresholds.healthyWithinMs).toBeGreaterThan(0);
  });

  it('names the key, the expected shape and what it found', () => {
    const raw = { ...base, thresholds: { healthyWithinMs: -5 } };
    expect(errorOf(() => resolve(raw))).toContain(
      'thresholds.healthyWithinMs: expected a positive integer (milliseconds), found -5',
    );
  });

  it('says when a bad value came from an environment variable', () => {
    const message = errorOf(() => resolve(base, 'local', { SHIPSHAPE_TARGET_PORT: '99999' }));
    expect(message).toContain(
      'target.port (from SHIPSHAPE_TARGET_PORT): expected a port number from 1 to 65535, found "99999"',
    );
  });

  it('reports a missing required key as found nothing', () => {
    const { dockerfile: _dockerfile, ...target } = base.target;
    expect(errorOf(() => resolve({ ...base, target }))).toContain(
      'target.dockerfile: expected a non-empty string, found nothing',
    );
  });

  it('rejects unknown keys, which are usually typos', () => {
    expect(errorOf(() => resolve({ ...base, tresholds: {} }))).toContain('unknown key "tresholds"');
  });

  it('lets environment variables override the file', () => {
    const config = resolve(base, 'production', {
      SHIPSHAPE_BASE_URL: 'https://chat.example.up.railway.app',
      SHIPSHAPE_HEALTHY_WITHIN_MS: '4500',
    });
    expect(config.environment).toEqual({ kind: 'remote', baseUrl: 'https://chat.example.up.railway.app' });
    expect(config.thresholds.healthyWithinMs).toBe(4500);
  });

  it('refuses a base URL that is not a URL', () => {
    expect(errorOf(() => resolve(base, 'production', { SHIPSHAPE_BASE_URL: 'railway' }))).toContain(
      'environments.production.baseUrl (from SHIPSHAPE_BASE_URL): expected an http(s) URL, found "railway"',
    );
  });

  it('asks for a URL when a remote environment has none', () => {
    expect(errorOf(() => resolve(base, 'production'))).toContain(
      'environment "production" has no URL: set SHIPSHAPE_BASE_URL=',
    );
  });

  it('lists the known environments when asked for another', () => {
    expect(errorOf(() => resolve(base, 'staging'))).toContain(
      'unknown environment "staging"; known: local, production',
    );
  });

  it('fills the target from its profile, resolves the context and lets the config override any field', () => {
    const config = resolve({
      ...base,
      target: {
        name: 'legacy',
        profile: 'seed',
        dockerfile: 'Dockerfile',
        context: 'backend',
        paths: { ready: '/ready' },
        database: { tables: ['messages'], maxConnections: 5, readinessName: 'db' },
      },
    });
    expect(config.target).toMatchObject({
      profile: 'seed',
      context: '/project/backend',
      paths: { health: '/health', ready: '/ready', query: '/api/v1/query', ws: '/ws' },
      runtime: { kind: 'python', version: '3.11', modules: ['psycopg2'] },
      database: { tables: ['messages'], maxConnections: 5 },
    });
    expect(resolve(base).target).toMatchObject({ profile: 'reference', runtime: { kind: 'node', major: 24 } });
  });

  it('names the profiles it knows', () => {
    expect(errorOf(() => resolve({ ...base, target: { ...base.target, profile: 'django' } }))).toContain(
      'target.profile: expected one of "reference", "seed", found "django"',
    );
  });

  it('says when the config file does not exist', async () => {
    await expect(loadConfig({ envName: 'local', configFile: 'nowhere.config.ts' })).rejects.toThrow(
      /no config file at .*nowhere.config.ts; pass --config=<file>/,
    );
  });
});
