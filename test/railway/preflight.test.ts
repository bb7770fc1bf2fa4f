import { describe, expect, it } from 'vitest';
import { judgeLocalSummary, missingVariables, variablesToUpsert } from '../../src/railway/preflight.ts';

const now = Date.parse('2026-12-02T12:00:00Z');
const commit = '0123456789abcdef0123456789abcdef01234567';
const green = {
  env: 'local',
  startedAt: '2026-12-02T11:00:00Z',
  exitCode: 0,
  target: { commit: '0123456' },
  checks: [{ id: '1.1/a' }, { id: '1.2/b' }],
};

describe('the local run that vouches for a deploy', () => {
  it('is a green, recent, complete local run of this commit', () => {
    expect(judgeLocalSummary(green, commit, now, 86_400_000, ['1.1/a', '1.2/b']).verdict).toBe('green');
  });

  it('is red when it failed, stale when old, of another commit, partial or remote', () => {
    expect(judgeLocalSummary({ ...green, exitCode: 1 }, commit, now, 86_400_000).verdict).toBe('red');
    expect(judgeLocalSummary({ ...green, startedAt: '2026-11-30T00:00:00Z' }, commit, now, 86_400_000).verdict).toBe(
      'stale',
    );
    expect(judgeLocalSummary({ ...green, target: { commit: 'fffffff' } }, commit, now, 86_400_000).verdict).toBe(
      'stale',
    );
    expect(judgeLocalSummary(green, commit, now, 86_400_000, ['1.1/a', '1.2/b', '4.3/c'])).toEqual({
      verdict: 'stale',
      why: 'the latest local run left out 1 of 3 checks (a --suite or --check run)',
    });
    expect(judgeLocalSummary({ ...green, env: 'production' }, commit, now, 86_400_000).verdict).toBe('stale');
    expect(judgeLocalSummary(undefined, commit, now, 86_400_000).verdict).toBe('stale');
  });
});

describe('variables', () => {
  it('names the required ones not set (or empty), and upserts only those set', () => {
    expect(missingVariables(['A', 'B', 'C'], { A: 'x', B: ' ' })).toEqual(['B', 'C']);
    expect(variablesToUpsert(['B', 'A', 'A', 'C'], { A: 'x', B: 'y' })).toEqual({ A: 'x', B: 'y' });
  });
});
