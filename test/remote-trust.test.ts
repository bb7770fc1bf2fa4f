/** A remote environment's tls.caFile reaches every suite through NODE_EXTRA_CA_CERTS, merged with one already set. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trustEnvironmentCa } from '../src/cli/remote-trust.ts';
import type { ResolvedConfig } from '../src/config/load.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'shipshape-trust-'));
  await writeFile(path.join(dir, 'private-ca.pem'), 'PRIVATE CA\n');
  await writeFile(path.join(dir, 'corporate.pem'), 'CORPORATE CA\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function config(environment: ResolvedConfig['environment']): ResolvedConfig {
  return { envName: 'production', root: dir, environment } as ResolvedConfig;
}

describe('trustEnvironmentCa', () => {
  it('sets NODE_EXTRA_CA_CERTS to the configured CA (relative to the config file)', async () => {
    const env: NodeJS.ProcessEnv = {};
    await trustEnvironmentCa(config({ kind: 'remote', tls: { caFile: 'private-ca.pem' } }), dir, env);
    expect(env.NODE_EXTRA_CA_CERTS).toBe(path.join(dir, 'private-ca.pem'));
  });

  it('keeps a CA already trusted: both in one bundle', async () => {
    const env: NodeJS.ProcessEnv = { NODE_EXTRA_CA_CERTS: path.join(dir, 'corporate.pem') };
    await trustEnvironmentCa(config({ kind: 'remote', tls: { caFile: 'private-ca.pem' } }), dir, env);
    expect(await readFile(env.NODE_EXTRA_CA_CERTS!, 'utf8')).toBe('CORPORATE CA\nPRIVATE CA\n');
  });

  it('leaves local environments and remote ones without a CA alone; names an unreadable file', async () => {
    const env: NodeJS.ProcessEnv = {};
    await trustEnvironmentCa(config({ kind: 'local' }), dir, env);
    await trustEnvironmentCa(config({ kind: 'remote' }), dir, env);
    expect(env.NODE_EXTRA_CA_CERTS).toBeUndefined();
    await expect(
      trustEnvironmentCa(config({ kind: 'remote', tls: { caFile: 'missing.pem' } }), dir, env),
    ).rejects.toThrow(/environments.production.tls.caFile: cannot read .*missing.pem/);
  });
});
