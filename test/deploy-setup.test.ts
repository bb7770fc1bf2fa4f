/** A remote run without a URL verifies the one `npm run deploy` recorded; without either, the error says how to get one. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { remoteConfigWithUrl } from '../src/cli/deploy-setup.ts';
import { loadConfig } from '../src/config/load.ts';

let dir: string;
let configFile: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'shipshape-deploy-setup-'));
  configFile = path.join(dir, 'shipshape.config.ts');
  const root = pathToFileURL(path.resolve('shipshape.config.ts')).href;
  await writeFile(
    configFile,
    `import good from ${JSON.stringify(root)};\nexport default { ...good, environments: { production: { kind: 'remote' } } };\n`,
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the URL of a remote run', () => {
  it('is the one deployment.json records when none is configured', async () => {
    await writeFile(path.join(dir, 'deployment.json'), JSON.stringify({ url: 'https://backend.up.railway.app' }));
    const env: NodeJS.ProcessEnv = {};
    const partial = await loadConfig({ envName: 'production', configFile, env, requireBaseUrl: false });
    const config = await remoteConfigWithUrl(partial, { deploy: false, reportRoot: dir, env });
    expect(config.environment).toMatchObject({ kind: 'remote', baseUrl: 'https://backend.up.railway.app' });
  });

  it('without one, the error says to set SHIPSHAPE_BASE_URL or deploy first', async () => {
    const env: NodeJS.ProcessEnv = {};
    const partial = await loadConfig({ envName: 'production', configFile, env, requireBaseUrl: false });
    await expect(
      remoteConfigWithUrl(partial, { deploy: false, reportRoot: path.join(dir, 'nothing-here'), env }),
    ).rejects.toThrow(/SHIPSHAPE_BASE_URL.*--deploy/s);
  });
});
