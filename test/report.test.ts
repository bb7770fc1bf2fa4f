import { mkdtemp, readFile, readlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { countChecks, type CheckRecord, type RunSummary } from '../src/report/summary.ts';
import { writeReports } from '../src/report/write.ts';

const checks: CheckRecord[] = [
  { id: '1.2/health-200', task: '1.2', status: 'passed', durationMs: 12, message: 'GET /health answered 200' },
  {
    id: '1.2/honours-port',
    task: '1.2',
    status: 'failed',
    durationMs: 15_000,
    message: 'started with PORT=31337, but nothing answered',
    hint: 'Read the listen port from the PORT variable',
    evidence: 'Server listening at http://[::]:8000',
  },
  { id: '1.1/non-root-user', task: '1.1', status: 'skipped', durationMs: 0, message: 'needs --env=local' },
];

function summary(overrides: Partial<RunSummary> = {}): RunSummary {
  return {
    env: 'local',
    runId: 'abcd1234',
    startedAt: '2026-11-24T19:00:00.000Z',
    durationMs: 42_000,
    exitCode: 1,
    outcome: 'a check failed',
    target: { name: 'reference', image: 'shipshape-target/reference:latest', commit: 'abc123' },
    images: { base: 'shipshape-airgap/node:24-bookworm-slim' },
    counts: countChecks(checks),
    checks,
    harnessErrors: [],
    interrupted: false,
    ...overrides,
  };
}

describe('reports', () => {
  it('writes summary.json in the documented shape and a readable summary.md', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'shipshape-report-'));
    const dir = path.join(root, 'local-2026-11-24T19-00-00Z');
    await writeReports(dir, summary());

    const json = JSON.parse(await readFile(path.join(dir, 'summary.json'), 'utf8'));
    expect(json).toMatchObject({ env: 'local', exitCode: 1, target: { name: 'reference' }, images: {} });
    expect(json.checks[1]).toMatchObject({
      id: '1.2/honours-port',
      task: '1.2',
      status: 'failed',
      hint: expect.any(String),
    });
    expect(json.counts).toEqual({ passed: 1, failed: 1, skipped: 1 });

    const markdown = await readFile(path.join(dir, 'summary.md'), 'utf8');
    expect(markdown).toContain('## Seed task 1.1');
    expect(markdown).toContain('| `1.2/honours-port` | FAIL |');
    expect(markdown).toContain('**Hint:** Read the listen port from the PORT variable');
    expect(markdown).toContain('Server listening at http://[::]:8000');
    expect(markdown.indexOf('Seed task 1.1')).toBeLessThan(markdown.indexOf('Seed task 1.2'));
  });

  it('points reports/latest at the newest run', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'shipshape-report-'));
    await writeReports(path.join(root, 'local-1'), summary());
    await writeReports(path.join(root, 'local-2'), summary({ exitCode: 0 }));
    expect(await readlink(path.join(root, 'latest'))).toBe('local-2');
    const latest = JSON.parse(await readFile(path.join(root, 'latest', 'summary.json'), 'utf8'));
    expect(latest.exitCode).toBe(0);
  });
});
