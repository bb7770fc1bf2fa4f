import { describe, expect, it } from 'vitest';
import { parseFaultsArgs, parseFlakyArgs, UsageError } from '../../scripts/selftest/args.ts';

describe('selftest:flaky arguments', () => {
  it('takes the number of runs as a separate word or after =, with defaults for the rest', () => {
    expect(parseFlakyArgs(['--runs', '3'])).toEqual({
      runs: 3,
      cold: false,
      configFile: undefined,
      timeoutMs: 15 * 60_000,
      reportDir: 'reports',
      help: false,
    });
    expect(parseFlakyArgs(['--runs=2', '--cold', '--config=other.config.ts'])).toMatchObject({
      runs: 2,
      cold: true,
      configFile: 'other.config.ts',
    });
  });

  it('takes a timeout in minutes and a report directory', () => {
    expect(parseFlakyArgs(['--runs=1', '--timeout=2.5', '--report-dir=out'])).toMatchObject({
      timeoutMs: 150_000,
      reportDir: 'out',
    });
  });

  it.each([
    [[], /--runs is required/],
    [['--runs=0'], /--runs takes a whole number from 1 to 100, got "0"/],
    [['--runs=101'], /from 1 to 100, got "101"/],
    [['--runs=1.5'], /got "1.5"/],
    [['--runs', 'two'], /got "two"/],
    [['--runs=2', '--timeout=0'], /--timeout takes a positive number of minutes.*got "0"/],
    [['--runs=2', '--timeout=soon'], /got "soon"/],
    [['--runs=2', '--config='], /--config needs a file/],
    [['--runs=2', '--warm'], /Unknown option '--warm'/],
    [['--runs=2', 'extra'], /Unexpected argument 'extra'/],
  ])('refuses %j clearly', (argv, message) => {
    expect(() => parseFlakyArgs(argv)).toThrow(UsageError);
    expect(() => parseFlakyArgs(argv)).toThrow(message);
  });

  it('needs no --runs for --help', () => {
    expect(parseFlakyArgs(['--help']).help).toBe(true);
  });
});

describe('selftest:faults arguments', () => {
  const variants = ['pool-unbounded', 'runs-as-root', 'bind-localhost', 'bind-loopback'];

  it('runs every variant by default', () => {
    expect(parseFaultsArgs([], variants)).toEqual({ only: undefined, reportDir: 'reports', help: false });
  });

  it('takes a list of variants, trimmed and without repeats', () => {
    expect(parseFaultsArgs(['--only= runs-as-root,pool-unbounded,runs-as-root'], variants).only).toEqual([
      'runs-as-root',
      'pool-unbounded',
    ]);
  });

  it('names each unknown variant with the near ones', () => {
    expect(() => parseFaultsArgs(['--only=bind-local,nothing'], variants)).toThrow(
      'no variant named bind-local in fixtures/faults; did you mean bind-localhost, bind-loopback?\n' +
        'no variant named nothing in fixtures/faults; `npm run fault` lists every variant',
    );
  });

  it('refuses an empty list', () => {
    expect(() => parseFaultsArgs(['--only=,'], variants)).toThrow(/--only needs variant names/);
  });
});
