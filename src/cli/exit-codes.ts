import type { CheckRecord } from '../report/summary.ts';

export const ExitCode = {
  passed: 0,
  checkFailed: 1,
  harnessError: 2,
  /** Only performance thresholds failed; the same number k6 uses, so CI can tell the two apart. */
  thresholdsOnly: 99,
  interrupted: 130,
} as const;

export interface RunOutcome {
  checks: CheckRecord[];
  harnessErrors: string[];
  interrupted: boolean;
}

export function decideExitCode(outcome: RunOutcome): number {
  if (outcome.interrupted) return ExitCode.interrupted;
  if (outcome.harnessErrors.length > 0) return ExitCode.harnessError;
  // A run that checked nothing must not look green.
  if (outcome.checks.length === 0) return ExitCode.harnessError;
  const failures = outcome.checks.filter((check) => check.status === 'failed');
  if (failures.length === 0) return ExitCode.passed;
  if (failures.every((check) => check.kind === 'threshold')) return ExitCode.thresholdsOnly;
  return ExitCode.checkFailed;
}

export function describeExitCode(code: number): string {
  switch (code) {
    case ExitCode.passed:
      return 'all checks passed';
    case ExitCode.checkFailed:
      return 'a check failed';
    case ExitCode.harnessError:
      return 'the harness could not run';
    case ExitCode.thresholdsOnly:
      return 'only performance thresholds failed';
    case ExitCode.interrupted:
      return 'interrupted';
    default:
      return `exit ${code}`;
  }
}
