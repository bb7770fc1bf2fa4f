/**
 * `npm run docs:checks`: rewrites the README's check table from the registry
 * (src/tasks/index.ts) and the fault catalog.
 */
import { readFile, writeFile } from 'node:fs/promises';
import * as prettier from 'prettier';
import { faultVariants } from '../fixtures/faults/catalog.ts';
import { checksTable, withChecksTable } from '../src/report/checks-table.ts';
import { tasks } from '../src/tasks/index.ts';

export function variantsByCheck(): Map<string, string[]> {
  const byCheck = new Map<string, string[]>();
  for (const variant of faultVariants)
    byCheck.set(variant.caughtBy, [...(byCheck.get(variant.caughtBy) ?? []), variant.name]);
  return byCheck;
}

/** The README with its table regenerated, formatted as `npm run lint` (prettier) wants it. */
export async function generatedReadme(readme: string): Promise<string> {
  const options = (await prettier.resolveConfig('README.md')) ?? {};
  return prettier.format(withChecksTable(readme, checksTable(tasks, variantsByCheck())), {
    ...options,
    parser: 'markdown',
  });
}

if (import.meta.main) {
  const readme = await readFile('README.md', 'utf8');
  const updated = await generatedReadme(readme);
  if (updated === readme) console.log('README.md check table: up to date');
  else {
    await writeFile('README.md', updated);
    console.log('README.md check table: rewritten from the registry');
  }
}
