/**
 * `npm run railway:evaluate -- [--env=<railway environment>] [--file=<iac>]`:
 * prints the desired configuration the target's Railway IaC evaluates to, offline
 * and without a token, as `railway config plan` would compute it before diffing
 * (what `railway-iac-ts evaluate` printed before railway 3.11 moved evaluation
 * into the Railway CLI). Exit 0 evaluated, 1 the file does not evaluate, 2 usage.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/load.ts';
import { evaluateRailwayIac, IacError } from '../src/support/railway-iac.ts';

let values: { env?: string; file?: string; config?: string };
try {
  ({ values } = parseArgs({
    options: { env: { type: 'string' }, file: { type: 'string' }, config: { type: 'string' } },
    strict: true,
  }));
} catch (error) {
  process.stderr.write(
    `${(error as Error).message}\nUsage: npm run railway:evaluate -- [--env=production] [--file=.railway/railway.ts] [--config=<file>]\n`,
  );
  process.exit(2);
}

const file = values.file
  ? path.resolve(values.file)
  : (await loadConfig({ envName: 'local', ...(values.config ? { configFile: values.config } : {}) })).target.railway
      .iacFile;
try {
  const evaluated = await evaluateRailwayIac(file, { environment: values.env ?? 'production' });
  process.stdout.write(`${JSON.stringify(evaluated, null, 2)}\n`);
  if (evaluated.problems.length > 0) {
    process.stderr.write(`the graph is invalid:\n${evaluated.problems.join('\n')}\n`);
    process.exit(1);
  }
} catch (error) {
  if (!(error instanceof IacError)) throw error;
  process.stderr.write(`${path.relative(process.cwd(), file) || file} does not evaluate: ${error.message}\n`);
  process.exit(1);
}
