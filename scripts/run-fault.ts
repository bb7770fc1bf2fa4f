/**
 * `npm run fault -- <variant> [...]`: proves a check catches its broken
 * variant by running the real harness against it. With no name, lists them.
 */
import path from 'node:path';
import { faultVariants } from '../fixtures/faults/catalog.ts';
import { judgeVariant, runVariant } from './faults/run-variant.ts';

process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
const names = process.argv.slice(2);
if (names.length === 0 || names.includes('--help')) {
  console.log('Usage: npm run fault -- <variant> [<variant> ...]\n\nVariants (fixtures/faults/):');
  for (const variant of faultVariants)
    console.log(`  ${variant.name.padEnd(32)} ${variant.caughtBy}: ${variant.defect}`);
  process.exit(names.length === 0 ? 2 : 0);
}
const unknown = names.filter((name) => !faultVariants.some((variant) => variant.name === name));
if (unknown.length > 0) {
  console.error(`error: no variant ${unknown.join(', ')} in fixtures/faults (run \`npm run fault\` to list them)`);
  process.exit(2);
}
let missed = 0;
for (const name of names) {
  const variant = faultVariants.find((candidate) => candidate.name === name)!;
  const run = await runVariant(variant, { workRoot: path.resolve('tmp', 'faults'), echo: true });
  const verdict = judgeVariant(variant, run);
  if (!verdict.caught) missed += 1;
  console.log(`${verdict.caught ? 'CAUGHT' : 'MISSED'} ${name}: ${verdict.why}`);
  console.log(`  report: ${path.relative(process.cwd(), path.join(run.reportDir, 'summary.md'))}`);
}
process.exit(missed === 0 ? 0 : 1);
