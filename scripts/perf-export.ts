/**
 * `npm run perf:export -- --format=k6 [--env=local] [--out=file] [--config=file]`: writes the load
 * suite's scenarios and the environment's thresholds as a k6 script (src/load/k6.ts), for load beyond
 * one machine. Run it with `k6 run -e BASE_URL=https://<service> <file>` or on k6's distributed runners.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ExitCode } from '../src/cli/exit-codes.ts';
import { ConfigError, loadConfig } from '../src/config/load.ts';
import { loadCorpus } from '../src/load/corpus.ts';
import { renderK6Script } from '../src/load/k6.ts';

const usage = 'usage: npm run perf:export -- --format=k6 [--env=local] [--out=<file>] [--config=<file>]';

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        format: { type: 'string' },
        env: { type: 'string', default: 'local' },
        out: { type: 'string' },
        config: { type: 'string' },
      },
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    return ExitCode.harnessError;
  }
  if (values.format !== 'k6') {
    console.error(`--format takes k6 (the only export so far), not ${values.format ?? 'nothing'}\n${usage}`);
    return ExitCode.harnessError;
  }
  try {
    const config = await loadConfig({ envName: values.env, configFile: values.config ?? process.env.SHIPSHAPE_CONFIG });
    const corpus = await loadCorpus(6);
    const script = renderK6Script(config.load, config.thresholds.performance, config.target, corpus.questions);
    const out = path.resolve(values.out ?? path.join(config.root, config.reportDir, 'k6', 'shipshape-load.js'));
    await mkdir(path.dirname(out), { recursive: true });
    await writeFile(out, script);
    console.log(
      `wrote ${path.relative(process.cwd(), out)}: run it with  k6 run -e BASE_URL=https://<your-service> ${path.relative(process.cwd(), out)}`,
    );
    return ExitCode.passed;
  } catch (error) {
    console.error(
      error instanceof ConfigError ? `error: ${error.message}` : `could not export: ${(error as Error).message}`,
    );
    return ExitCode.harnessError;
  }
}

process.exit(await main());
