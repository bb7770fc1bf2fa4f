import { describe, expect, it } from 'vitest';
import {
  aggregateChecks,
  buildFlakyReport,
  isGreen,
  renderFlakyMarkdown,
  runRows,
  type FlakyRun,
} from '../../scripts/selftest/flaky-report.ts';
import type { CheckStatus } from '../../src/report/summary.ts';

function run(index: number, exitCode: number | null, checks: [string, CheckStatus, number][] | undefined): FlakyRun {
  return {
    run: index,
    exitCode,
    wallMs: 40_000 + 1_000 * index,
    timedOut: false,
    links: {
      ...(checks ? { summary: `flaky-x/run-${index}/local-x/summary.md` } : {}),
      output: `flaky-x/run-${index}/output.log`,
    },
    summary: checks && {
      checks: checks.map(([id, status, durationMs]) => ({ id, status, durationMs, message: `${id} ${status}` })),
      harnessErrors: [],
    },
    errors: [],
  };
}

// Three runs: a steady check, one that failed once, and a run that died before writing its summary.
const runs: FlakyRun[] = [
  run(1, 0, [
    ['1.1/a', 'passed', 100],
    ['3.2/b', 'passed', 4_000],
  ]),
  run(2, 1, [
    ['1.1/a', 'passed', 300],
    ['3.2/b', 'failed', 9_000],
  ]),
  { ...run(3, null, undefined), timedOut: true, signal: 'SIGKILL', errors: ['killed after the 15 min timeout'] },
];

describe('per check', () => {
  it('counts passes over all runs, a run without a verdict as not passed', () => {
    const [a, b] = aggregateChecks(runs, ['1.1/a', '3.2/b']);
    expect(a).toMatchObject({ id: '1.1/a', runs: 3, passed: 2, failed: 0, missing: 1 });
    expect(a!.statuses).toEqual(['passed', 'passed', 'missing']);
    expect(b).toMatchObject({ id: '3.2/b', passed: 1, failed: 1, missing: 1 });
  });

  it('takes p50 and max over the runs that gave a verdict', () => {
    const [a, b] = aggregateChecks(runs, ['1.1/a', '3.2/b']);
    expect([a!.p50Ms, a!.maxMs]).toEqual([200, 300]);
    expect([b!.p50Ms, b!.maxMs]).toEqual([6_500, 9_000]);
    expect(b!.durationsMs).toEqual([4_000, 9_000, null]);
  });

  it('lists the registry order first, then ids only a run reported, and registry checks no run reported', () => {
    const rows = aggregateChecks(runs, ['3.2/b', '1.2/never-ran']);
    expect(rows.map((row) => row.id)).toEqual(['3.2/b', '1.2/never-ran', '1.1/a']);
    expect(rows[1]).toMatchObject({ passed: 0, missing: 3, p50Ms: undefined, maxMs: undefined });
  });
});

describe('per run', () => {
  it('is green only when it exited 0 by itself', () => {
    expect(isGreen(runs[0]!)).toBe(true);
    expect(isGreen(runs[1]!)).toBe(false);
    expect(isGreen({ ...runs[0]!, timedOut: true })).toBe(false);
    expect(isGreen({ ...runs[0]!, errors: ['the run wrote no summary.json'] })).toBe(false);
  });

  it('names the failed checks and the harness errors of each run', () => {
    const rows = runRows([
      runs[1]!,
      { ...runs[0]!, summary: { checks: [], harnessErrors: ['no verdict for 1.1/a'] }, exitCode: 2 },
    ]);
    expect(rows[0]).toMatchObject({ run: 2, exitCode: 1, green: false, failedChecks: ['3.2/b'], harnessErrors: [] });
    expect(rows[1]).toMatchObject({ green: false, harnessErrors: ['no verdict for 1.1/a'] });
  });
});

const base = {
  startedAt: new Date('2026-12-02T06:00:00Z'),
  durationMs: 200_000,
  command: 'npm test -- --env=local --report-dir=reports/flaky-x/run-<n>',
  configFile: 'shipshape.config.ts',
  target: 'reference',
  timeoutMs: 900_000,
  cold: null,
  expectedIds: ['1.1/a', '3.2/b'],
};

describe('the report', () => {
  it('is green when every requested run was', () => {
    const green = buildFlakyReport({ ...base, runsRequested: 1, runs: [runs[0]!] });
    expect(green).toMatchObject({ green: true, flaky: [], neverPassed: [] });
    expect(buildFlakyReport({ ...base, runsRequested: 2, runs: [runs[0]!] }).green).toBe(false);
    const coldFailed = [{ step: 'restart dockerd', status: 'failed' as const, detail: 'no answer', ms: 1 }];
    expect(buildFlakyReport({ ...base, runsRequested: 1, runs: [runs[0]!], cold: coldFailed }).green).toBe(false);
  });

  it('names the flaky checks and those that never passed', () => {
    const report = buildFlakyReport({
      ...base,
      runsRequested: 3,
      runs: [...runs, run(4, 1, [['3.1/c', 'failed', 10]])],
    });
    expect(report.green).toBe(false);
    expect(report.flaky).toEqual(['1.1/a', '3.2/b']);
    expect(report.neverPassed).toEqual(['3.1/c']);
  });

  it('renders the check table and the run table', () => {
    const cold = [{ step: 'drop the page cache', status: 'skipped' as const, detail: 'not root', ms: 3 }];
    const markdown = renderFlakyMarkdown(buildFlakyReport({ ...base, runsRequested: 3, runs, cold }));
    expect(markdown).toContain('- Verdict: **NOT GREEN**: 1 of 3 run(s) green');
    expect(markdown).toContain('  - drop the page cache: skipped (0.0 s): not root');
    expect(markdown).toContain('| check | passed/runs | p50 s | max s | not passed |');
    expect(markdown).toContain('| `1.1/a` (flaky) | 2/3 | 0.20 | 0.30 | run 3 missing |');
    expect(markdown).toContain('| `3.2/b` (flaky) | 1/3 | 6.50 | 9.00 | run 2 failed, run 3 missing |');
    expect(markdown).toContain(
      '| 1 (cold) | 0 | 41.0 s | – | [summary](flaky-x/run-1/local-x/summary.md), [output](flaky-x/run-1/output.log) |',
    );
    expect(markdown).toContain('| 2 | 1 | 42.0 s | `3.2/b` |');
    expect(markdown).toContain('| 3 | killed: timeout | 43.0 s | – | [output](flaky-x/run-3/output.log) |');
    expect(markdown).toContain('## Harness errors\n\n- run 3: killed after the 15 min timeout');
  });
});
