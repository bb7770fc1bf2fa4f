/**
 * docs/railway-deployment.md's variables table is generated from the variable
 * contract and the Railway IaC (`npm run docs:railway`): a committed table that
 * differs from what the generator writes is stale.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { generatedDeploymentDoc } from '../scripts/docs-railway.ts';
import { loadConfig } from '../src/config/load.ts';

it("docs/railway-deployment.md's variables table is what npm run docs:railway writes", async () => {
  const config = await loadConfig({ envName: 'local' });
  const text = readFileSync(config.target.railway.docFile, 'utf8');
  const generated = await generatedDeploymentDoc(text, config.target);
  expect(generated === text, 'docs/railway-deployment.md is stale: run `npm run docs:railway`').toBe(true);
});
