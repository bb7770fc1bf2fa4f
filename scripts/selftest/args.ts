/**
 * Arguments of `npm run selftest:flaky` and `npm run selftest:faults`,
 * parsed before anything starts: a mistake is one clear line and exit 2.
 */
import { parseArgs } from 'node:util';

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface FlakyArgs {
  runs: number;
  /** Restart the Docker engine, drop the page cache and remove the target image before run 1. */
  cold: boolean;
  configFile: string | undefined;
  /** Each run is killed and counted failed after this long. */
  timeoutMs: number;
  reportDir: string;
  help: boolean;
}

export const maxRuns = 100;
export const defaultTimeoutMinutes = 15;

export const flakyUsage = `Usage: npm run selftest:flaky -- --runs <N> [--cold] [--config=<file>] [--timeout=<minutes>] [--report-dir=<dir>]

  --runs <N>            how many times to run the full local suite (1-${maxRuns}), one after the other
  --cold                before run 1, as on a new machine: restart the Docker engine, drop the page cache
                        (root only) and remove the target image
  --config=<file>       config file of the target (default: shipshape.config.ts)
  --timeout=<minutes>   a run still going after this long is killed and counted failed (default ${defaultTimeoutMinutes})
  --report-dir=<dir>    where flaky-<timestamp>.md/.json and each run's reports go (default: reports)
  -h, --help            this text

Exit codes: 0 every run green, 1 a run was not green, 2 the self-test could not run.`;

export function parseFlakyArgs(argv: readonly string[]): FlakyArgs {
  const values = parseStrict(argv, {
    runs: { type: 'string' },
    cold: { type: 'boolean', default: false },
    config: { type: 'string' },
    timeout: { type: 'string', default: String(defaultTimeoutMinutes) },
    'report-dir': { type: 'string', default: 'reports' },
    help: { type: 'boolean', short: 'h', default: false },
  });
  const help = values.help === true;
  if (help) {
    return { runs: 0, cold: false, configFile: undefined, timeoutMs: 0, reportDir: 'reports', help };
  }
  if (values.runs === undefined) {
    throw new UsageError('--runs is required: how many times to run the suite, e.g. --runs 5');
  }
  const runs = values.runs as string;
  if (!/^\d+$/.test(runs.trim()) || Number(runs) < 1 || Number(runs) > maxRuns) {
    throw new UsageError(`--runs takes a whole number from 1 to ${maxRuns}, got "${runs}"`);
  }
  const timeout = values.timeout as string;
  const minutes = Number(timeout);
  if (timeout.trim() === '' || !Number.isFinite(minutes) || minutes <= 0) {
    throw new UsageError(`--timeout takes a positive number of minutes, e.g. --timeout=15, got "${timeout}"`);
  }
  return {
    runs: Number(runs),
    cold: values.cold === true,
    configFile: nonEmpty('--config', 'a file', values.config as string | undefined),
    timeoutMs: Math.round(minutes * 60_000),
    reportDir: nonEmpty('--report-dir', 'a directory', values['report-dir'] as string)!,
    help,
  };
}

export interface FaultsArgs {
  /** Variant names to run (`--only`); undefined: every variant of the catalog. */
  only: string[] | undefined;
  reportDir: string;
  help: boolean;
}

export const faultsUsage = `Usage: npm run selftest:faults -- [--only=<variant>,<variant>] [--report-dir=<dir>]

  --only=<names>        run only these broken variants (default: every one in fixtures/faults/; \`npm run fault\` lists them)
  --report-dir=<dir>    where faults-<timestamp>.md/.json and each variant's run report go (default: reports)
  -h, --help            this text

Each variant runs with the whole suite of the seed task its expected check belongs to.
Exit codes: 0 every variant caught, 1 a variant was missed, 2 the self-test could not run.`;

export function parseFaultsArgs(argv: readonly string[], variants: readonly string[]): FaultsArgs {
  const values = parseStrict(argv, {
    only: { type: 'string' },
    'report-dir': { type: 'string', default: 'reports' },
    help: { type: 'boolean', short: 'h', default: false },
  });
  let only: string[] | undefined;
  if (values.only !== undefined) {
    only = [
      ...new Set(
        (values.only as string)
          .split(',')
          .map((name) => name.trim())
          .filter(Boolean),
      ),
    ];
    if (only.length === 0) throw new UsageError('--only needs variant names, e.g. --only=pool-unbounded,runs-as-root');
    const unknown = only.filter((name) => !variants.includes(name));
    if (unknown.length > 0) {
      throw new UsageError(
        unknown.map((name) => `no variant named ${name} in fixtures/faults${nearNames(name, variants)}`).join('\n'),
      );
    }
  }
  return {
    only,
    reportDir: nonEmpty('--report-dir', 'a directory', values['report-dir'] as string)!,
    help: values.help === true,
  };
}

type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string; default?: string | boolean }>;

function parseStrict(argv: readonly string[], options: OptionSpec): Record<string, string | boolean | undefined> {
  try {
    return parseArgs({ args: [...argv], strict: true, allowPositionals: false, options }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function nonEmpty(option: string, what: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value.trim() === '') throw new UsageError(`${option} needs ${what}, got an empty value`);
  return value;
}

/** Names that share a word with the unknown one: the likely intended ones. */
function nearNames(name: string, variants: readonly string[]): string {
  const words = name.split(/[^a-z0-9]+/i).filter((word) => word.length > 2);
  const near = variants.filter((candidate) => words.some((word) => candidate.includes(word.toLowerCase())));
  return near.length > 0 ? `; did you mean ${near.slice(0, 5).join(', ')}?` : '; `npm run fault` lists every variant';
}
