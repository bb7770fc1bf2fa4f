import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunArgs, UsageError } from '../src/cli/args.ts';
import { decideExitCode, ExitCode } from '../src/cli/exit-codes.ts';
import { listChecks, selectChecks } from '../src/cli/selection.ts';
import type { CheckRecord } from '../src/report/summary.ts';

describe('run arguments', () => {
  it('parses env, suites and report dir', () => {
    expect(parseRunArgs(['--env=production', '--suite', '1.2, 3.1', '--report-dir=out'])).toEqual({
      env: 'production',
      suites: ['1.2', '3.1'],
      checks: undefined,
      configFile: undefined,
      reportDir: 'out',
      load: 'capped',
      saveBaseline: false,
      list: false,
      deploy: false,
      skipVerify: false,
      help: false,
    });
  });

  it('takes --load=full and --save-baseline, and refuses another load level', () => {
    expect(parseRunArgs(['--env=production', '--load=full', '--save-baseline'])).toMatchObject({
      load: 'full',
      saveBaseline: true,
    });
    expect(() => parseRunArgs(['--load=huge'])).toThrow('--load takes full or capped, not "huge"');
  });

  it('takes --deploy (the deploy as setup of a remote run)', () => {
    expect(parseRunArgs(['--env=production', '--deploy'])).toMatchObject({ env: 'production', deploy: true });
  });

  it('runs the suites of the checks --check names, and takes a config file', () => {
    expect(parseRunArgs(['--check=3.2/tls-connections,1.2/health-200', '--config=other.config.ts'])).toMatchObject({
      suites: ['3.2', '1.2'],
      checks: ['3.2/tls-connections', '1.2/health-200'],
      configFile: 'other.config.ts',
    });
  });

  it('defaults to the local environment and all suites', () => {
    expect(parseRunArgs([])).toMatchObject({ env: 'local', suites: undefined });
  });

  it.each([
    [['--bogus'], /Unknown option '--bogus'/],
    [['--suite=one'], /--suite takes seed task numbers such as 1.2,3.1; not understood: one/],
    [['--env='], /--env needs an environment name/],
    [['local'], /Unexpected argument 'local'/],
    [['--check=health'], /--check takes check ids such as 1.2\/health-200,3.1\/json-logs; not understood: health/],
    [['--suite=1.2', '--check=3.1/json-logs'], /--check names checks of seed task 3.1, which --suite leaves out/],
    [['--config='], /--config needs a file/],
  ])('rejects %j with a clear message', (argv, message) => {
    expect(() => parseRunArgs(argv)).toThrow(UsageError);
    expect(() => parseRunArgs(argv)).toThrow(message);
  });

  it('maps seed task numbers to suite files and names the available ones', () => {
    const suitesDir = path.resolve('suites');
    expect(selectChecks(suitesDir, ['1.2'], undefined).files.map((file) => path.basename(file))).toEqual([
      '1.2-local-docker.test.ts',
    ]);
    expect(() => selectChecks(suitesDir, ['9.9'], undefined)).toThrow(/no suite for seed task 9.9; available: .*1.2/);
  });

  it('refuses a check id the registry does not have, before anything starts, and suggests near ids', () => {
    const suitesDir = path.resolve('suites');
    expect(() => selectChecks(suitesDir, ['3.2'], ['3.2/tls-connection'])).toThrow(UsageError);
    expect(() => selectChecks(suitesDir, ['3.2'], ['3.2/tls-connection'])).toThrow(
      /no check named 3\.2\/tls-connection; did you mean .*3\.2\/tls-connections/,
    );
    const selection = selectChecks(suitesDir, ['1.2', '3.2'], ['1.2/health-200', '3.2/tls-connections']);
    expect(selection.checks.map((check) => check.id)).toEqual(['1.2/health-200', '3.2/tls-connections']);
    expect(selection.files.map((file) => path.basename(file))).toEqual([
      '1.2-local-docker.test.ts',
      '3.2-postgres.test.ts',
    ]);
  });

  it('lists every check with its task and requirements', () => {
    const listing = listChecks();
    expect(listing).toContain('3.2 PostgreSQL integration');
    expect(listing).toMatch(/3\.2\/readiness-on-postgres-pause .*\[needs database, running-target, readiness-route\]/);
  });
});

describe('exit codes', () => {
  const check = (status: CheckRecord['status'], kind?: 'threshold'): CheckRecord => ({
    id: `5.2/${status}`,
    task: '5.2',
    status,
    durationMs: 1,
    message: '',
    kind,
  });
  const decide = (checks: CheckRecord[], harnessErrors: string[] = [], interrupted = false) =>
    decideExitCode({ checks, harnessErrors, interrupted });

  it('is 0 when every check passed or was skipped with a reason', () => {
    expect(decide([check('passed'), check('skipped')])).toBe(ExitCode.passed);
  });
  it('is 1 when a check failed', () => {
    expect(decide([check('passed'), check('failed'), check('failed', 'threshold')])).toBe(ExitCode.checkFailed);
  });
  it('is 99 when only performance thresholds failed', () => {
    expect(decide([check('passed'), check('failed', 'threshold')])).toBe(ExitCode.thresholdsOnly);
  });
  it('is 2 when the harness could not run, whatever the checks say', () => {
    expect(decide([check('failed')], ['global setup failed'])).toBe(ExitCode.harnessError);
  });
  it('is 2 when nothing was checked', () => {
    expect(decide([])).toBe(ExitCode.harnessError);
  });
  it('is 130 when interrupted', () => {
    expect(decide([check('passed')], [], true)).toBe(ExitCode.interrupted);
  });
});
