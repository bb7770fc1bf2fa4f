import { describe, expect, it } from 'vitest';
import { compareByTask } from '../../src/checks/task-order.ts';

describe('suite order', () => {
  it('follows the seed task numbers, numerically, whatever the file names after them', () => {
    const files = ['suites/6.2-monitoring.test.ts', 'suites/10.1-later.test.ts', 'suites/3.2-postgres.test.ts'];
    files.push(
      'suites/1.1-dockerfile.test.ts',
      'suites/3.1-production-readiness.test.ts',
      'suites/1.2-local-docker.test.ts',
    );
    expect([...files].sort(compareByTask)).toEqual([
      'suites/1.1-dockerfile.test.ts',
      'suites/1.2-local-docker.test.ts',
      'suites/3.1-production-readiness.test.ts',
      'suites/3.2-postgres.test.ts',
      'suites/6.2-monitoring.test.ts',
      'suites/10.1-later.test.ts',
    ]);
  });

  it('runs the security suite after all the others, so its canary search sees every answer of the run', () => {
    const files = ['suites/5.3-security.test.ts', 'suites/6.2-monitoring.test.ts', 'suites/5.2-performance.test.ts'];
    expect([...files].sort(compareByTask)).toEqual([
      'suites/5.2-performance.test.ts',
      'suites/6.2-monitoring.test.ts',
      'suites/5.3-security.test.ts',
    ]);
  });
});
