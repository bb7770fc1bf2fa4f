/**
 * `npm run monitor` arguments, parsed and validated: a bad value stops with a
 * message naming the flag and what was expected, never a stack trace.
 */
import { parseArgs } from 'node:util';
import { UsageError } from './args.ts';

export interface MonitorArgs {
  env: string;
  url: string | undefined;
  configFile: string | undefined;
  reportDir: string | undefined;
  intervalMs: number;
  timeoutMs: number;
  maxConsecutiveFailures: number;
  maxPolls: number | undefined;
  durationMs: number | undefined;
  /** The question to ask on each poll, when --ask was given. */
  question: string | undefined;
  verbose: boolean;
  help: boolean;
}

export const defaultQuestion = 'What does a ROS 2 node do?';

export const monitorUsage = `Usage: npm run monitor -- [--env=<name>] [--url=<url>] [options]

Polls the service's readiness route (and optionally one question), prints each status change
with its timestamp and latency, writes reports/monitor-<timestamp>.json and .md, and exits
non-zero after N consecutive failed polls: an uptime check for cron or CI.

  --env=<name>         environment of the config (default local). A remote one (production) uses its URL
                       as npm test does: SHIPSHAPE_BASE_URL, the config's baseUrl, or the deploy's deployment.json
  --url=<url>          the service's base URL (required for local: SHIPSHAPE_BASE_URL or --url)
  --interval=<s>       seconds between polls (default 5)
  --timeout=<s>        bound of one poll, connect to last byte (default 5; must be below --interval)
  --failures=<n>       exit 1 after this many consecutive failed polls (default 3)
  --count=<n>          stop after n polls (exit 0 unless the failure limit was reached)
  --duration=<s>       stop after this many seconds
  --ask[=<question>]   also ask one question each poll (default question: "${defaultQuestion}")
  --verbose            print every poll, not only changes
  --config=<file>      config file (default shipshape.config.ts or SHIPSHAPE_CONFIG)
  --report-dir=<dir>   where the report goes (default: the config's reportDir, "reports")
  -h, --help           this text

Exit codes: 0 stopped as asked, 1 the failure limit was reached, 2 bad arguments or config,
            130 interrupted (Ctrl-C; the report is still written).`;

function positiveNumber(flag: string, value: string | undefined, fallback: number | undefined): number | undefined {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0)
    throw new UsageError(`--${flag} expects a positive number, found "${value}"`);
  return number;
}

function positiveInteger(flag: string, value: string | undefined, fallback: number | undefined): number | undefined {
  const number = positiveNumber(flag, value, fallback);
  if (number !== undefined && !Number.isInteger(number)) {
    throw new UsageError(`--${flag} expects a whole number, found "${value}"`);
  }
  return number;
}

export function parseMonitorArgs(argv: string[]): MonitorArgs {
  // `--ask` alone asks the default question; parseArgs needs a value for a string option.
  const normalised = argv.map((arg) => (arg === '--ask' ? `--ask=${defaultQuestion}` : arg));
  let parsed;
  try {
    parsed = parseArgs({
      args: normalised,
      strict: true,
      allowPositionals: false,
      options: {
        env: { type: 'string', default: 'local' },
        url: { type: 'string' },
        config: { type: 'string' },
        'report-dir': { type: 'string' },
        interval: { type: 'string' },
        timeout: { type: 'string' },
        failures: { type: 'string' },
        count: { type: 'string' },
        duration: { type: 'string' },
        ask: { type: 'string' },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message, { cause: error });
  }
  const { values } = parsed;
  const intervalMs = positiveNumber('interval', values.interval, 5)! * 1000;
  const timeoutMs = positiveNumber('timeout', values.timeout, Math.min(5, intervalMs / 1000))! * 1000;
  if (timeoutMs > intervalMs) {
    throw new UsageError(`--timeout (${timeoutMs / 1000} s) must not exceed --interval (${intervalMs / 1000} s)`);
  }
  const duration = positiveNumber('duration', values.duration, undefined);
  if (values.url !== undefined) {
    let url: URL;
    try {
      url = new URL(values.url);
    } catch {
      throw new UsageError(`--url expects an http(s) URL, found "${values.url}"`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new UsageError(`--url expects an http(s) URL, found "${values.url}"`);
    }
  }
  const question = values.ask?.trim();
  if (values.ask !== undefined && !question) throw new UsageError('--ask=<question> needs a question');
  return {
    env: values.env,
    url: values.url?.replace(/\/+$/, ''),
    configFile: values.config,
    reportDir: values['report-dir'],
    intervalMs,
    timeoutMs,
    maxConsecutiveFailures: positiveInteger('failures', values.failures, 3)!,
    maxPolls: positiveInteger('count', values.count, undefined),
    durationMs: duration === undefined ? undefined : duration * 1000,
    question,
    verbose: values.verbose,
    help: values.help,
  };
}
