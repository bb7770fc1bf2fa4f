import { parseArgs } from 'node:util';

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface RunArgs {
  env: string;
  suites: string[] | undefined;
  reportDir: string | undefined;
  help: boolean;
}

export const usage = `Usage: npm test -- [--env=<name>] [--suite=<ids>] [--report-dir=<dir>]

  --env=<name>        environment from shipshape.config.ts: local (default), production, or one you define
  --suite=<ids>       comma-separated seed tasks to run, e.g. --suite=1.2,3.1 (default: all)
  --report-dir=<dir>  where run reports go (default: reportDir in shipshape.config.ts, "reports")
  -h, --help          this text

Exit codes: 0 all checks passed, 1 a check failed, 2 the harness could not run,
            99 only performance thresholds failed, 130 interrupted.`;

export function parseRunArgs(argv: string[]): RunArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        env: { type: 'string', default: 'local' },
        suite: { type: 'string' },
        'report-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values } = parsed;
  if (!values.env || !/^[a-z0-9][a-z0-9_-]*$/i.test(values.env)) {
    throw new UsageError(`--env needs an environment name such as local or production, got "${values.env ?? ''}"`);
  }
  let suites: string[] | undefined;
  if (values.suite !== undefined) {
    suites = values.suite
      .split(',')
      .map((id) => id.trim())
      .filter(Boolean);
    const malformed = suites.filter((id) => !/^\d+\.\d+$/.test(id));
    if (suites.length === 0 || malformed.length > 0) {
      throw new UsageError(
        `--suite takes seed task numbers such as 1.2,3.1; not understood: ${malformed.join(', ') || '(empty)'}`,
      );
    }
  }
  if (values['report-dir'] === '') throw new UsageError('--report-dir needs a directory');
  return { env: values.env, suites, reportDir: values['report-dir'], help: values.help ?? false };
}
