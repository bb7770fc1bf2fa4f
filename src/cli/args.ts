import { parseArgs } from 'node:util';

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface RunArgs {
  env: string;
  suites: string[] | undefined;
  /** Check ids to run (`--check`); their suites run with only these checks. */
  checks: string[] | undefined;
  configFile: string | undefined;
  reportDir: string | undefined;
  /** `--load=full`: the configured load against a remote environment too (default: capped). */
  load: 'capped' | 'full';
  /** `--save-baseline`: this run's performance figures become reports/baseline/perf.json. */
  saveBaseline: boolean;
  /** `--list`: print every check id and exit. */
  list: boolean;
  /** `--deploy`: run `npm run deploy` for the (remote) environment first, then verify what it deployed. */
  deploy: boolean;
  /** With --deploy: the deploy does not require the local suites green first (a pipeline that already ran them). */
  skipVerify: boolean;
  help: boolean;
}

export const usage = `Usage: npm test -- [--env=<name>] [--suite=<ids>] [--check=<ids>] [--config=<file>] [--report-dir=<dir>]

  --env=<name>        environment from the config: local (default), production, or one you define
  --suite=<ids>       comma-separated seed tasks to run, e.g. --suite=1.2,3.1 (default: all)
  --check=<ids>       only these checks, e.g. --check=3.2/tls-connections (runs their suites' setup too)
  --config=<file>     config file (default: shipshape.config.ts; or set SHIPSHAPE_CONFIG)
  --report-dir=<dir>  where run reports go (default: reportDir in the config, "reports")
  --deploy            remote environments: deploy first (npm run deploy), then verify the deployed URL
  --skip-verify       with --deploy: do not require the local suites green before deploying
  --load=full         run the configured load against a remote environment too (default: 10 rps for 20 s there)
  --save-baseline     keep this run's performance figures as reports/baseline/perf.json; later runs compare with it
  --list              print every check id with its title and what it needs, then exit
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
        check: { type: 'string' },
        config: { type: 'string' },
        'report-dir': { type: 'string' },
        load: { type: 'string', default: 'capped' },
        'save-baseline': { type: 'boolean', default: false },
        list: { type: 'boolean', default: false },
        deploy: { type: 'boolean', default: false },
        'skip-verify': { type: 'boolean', default: false },
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
    suites = splitList(values.suite);
    const malformed = suites.filter((id) => !/^\d+\.\d+$/.test(id));
    if (suites.length === 0 || malformed.length > 0) {
      throw new UsageError(
        `--suite takes seed task numbers such as 1.2,3.1; not understood: ${malformed.join(', ') || '(empty)'}`,
      );
    }
  }
  let checks: string[] | undefined;
  if (values.check !== undefined) {
    checks = splitList(values.check);
    const malformed = checks.filter((id) => !/^\d+\.\d+\/[a-z0-9-]+$/.test(id));
    if (checks.length === 0 || malformed.length > 0) {
      throw new UsageError(
        `--check takes check ids such as 1.2/health-200,3.1/json-logs; not understood: ${malformed.join(', ') || '(empty)'}`,
      );
    }
    const tasks = [...new Set(checks.map((id) => id.split('/')[0]!))];
    if (suites) {
      const outside = tasks.filter((task) => !suites!.includes(task));
      if (outside.length > 0) {
        throw new UsageError(`--check names checks of seed task ${outside.join(', ')}, which --suite leaves out`);
      }
    } else {
      suites = tasks;
    }
  }
  if (values.load !== 'capped' && values.load !== 'full') {
    throw new UsageError(`--load takes full or capped, not "${values.load ?? ''}"`);
  }
  if (values.config === '') throw new UsageError('--config needs a file');
  if (values['report-dir'] === '') throw new UsageError('--report-dir needs a directory');
  return {
    env: values.env,
    suites,
    checks,
    configFile: values.config,
    reportDir: values['report-dir'],
    load: values.load,
    saveBaseline: values['save-baseline'] ?? false,
    list: values.list ?? false,
    deploy: values.deploy ?? false,
    skipVerify: values['skip-verify'] ?? false,
    help: values.help ?? false,
  };
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}
