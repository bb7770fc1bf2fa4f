import { describe, expect, it } from 'vitest';
import {
  buildFaultsReport,
  otherFailures,
  renderFaultsMarkdown,
  scoreText,
  taskOf,
  type VariantOutcome,
} from '../../scripts/selftest/faults-report.ts';

function outcome(name: string, caught: boolean, alsoFailed: string[] = []): VariantOutcome {
  return {
    name,
    defect: `the ${name} defect`,
    target: 'reference',
    task: '3.2',
    caughtBy: '3.2/pool-within-limit',
    caught,
    why: caught ? '3.2/pool-within-limit failed: 25 connections' : '3.2/pool-within-limit passed: 8 connections',
    alsoFailed,
    checksRun: 7,
    exitCode: caught ? 1 : 0,
    wallMs: 52_100,
    ...(caught ? { report: `faults-x/${name}/summary.md` } : {}),
  };
}

describe('a variant run', () => {
  it('belongs to the seed task of its expected check', () => {
    expect(taskOf('3.2/pool-within-limit')).toBe('3.2');
    expect(taskOf('1.1/copy-not-add')).toBe('1.1');
  });

  it('lists the other checks that failed, not the expected one, nor passes and skips', () => {
    const checks = [
      { id: '1.2/health-200', status: 'failed' as const },
      { id: '1.2/image-builds', status: 'passed' as const },
      { id: '1.2/ready-200', status: 'failed' as const },
      { id: '1.2/websocket-answers', status: 'skipped' as const },
    ];
    expect(otherFailures(checks, '1.2/ready-200')).toEqual(['1.2/health-200']);
  });
});

describe('the mutation score', () => {
  it('is caught over total, and nothing when no variant ran', () => {
    expect(scoreText(3, 4)).toBe('3/4 (75%)');
    expect(scoreText(2, 3)).toBe('2/3 (66%)');
    expect(scoreText(0, 0)).toBe('0/0 (no variant ran)');
  });

  it('counts the caught variants and names the missed ones', () => {
    const report = buildFaultsReport({
      startedAt: new Date('2026-12-02T06:00:00Z'),
      durationMs: 120_000,
      goodImages: [{ target: 'reference', ms: 30_000 }],
      healthyWithinMs: '15000',
      variants: [outcome('pool-unbounded', true, ['3.2/tls-connections']), outcome('pool-small', false)],
    });
    expect(report).toMatchObject({ caught: 1, total: 2, missed: ['pool-small'] });

    const markdown = renderFaultsMarkdown(report);
    expect(markdown).toContain('**Mutation score: 1/2 (50%) caught**');
    expect(markdown).toContain('- Missed: `pool-small`');
    expect(markdown).toContain('- Good images built first: reference 30.0 s');
    expect(markdown).toContain(
      '| [`pool-unbounded`](faults-x/pool-unbounded/summary.md) | 3.2 | `3.2/pool-within-limit` | CAUGHT | `3.2/tls-connections` | 1 | 52.1 s |',
    );
    expect(markdown).toContain('| `pool-small` | 3.2 | `3.2/pool-within-limit` | **MISSED** | – | 0 | 52.1 s |');
    expect(markdown).toContain(
      '### `pool-small`\n\nDefect: the pool-small defect\n\nWhy: 3.2/pool-within-limit passed',
    );
  });

  it('says when fewer variants ran than were planned', () => {
    const report = buildFaultsReport({
      startedAt: new Date(),
      durationMs: 1,
      goodImages: [],
      healthyWithinMs: undefined,
      variants: [outcome('pool-unbounded', true)],
      planned: 3,
    });
    expect(report).toMatchObject({ caught: 1, total: 1, planned: 3 });
    expect(renderFaultsMarkdown(report)).toContain('**Incomplete: 1 of 3 variants ran (interrupted).**');
  });

  it('has no Missed section when every variant was caught', () => {
    const report = buildFaultsReport({
      startedAt: new Date(),
      durationMs: 1,
      goodImages: [],
      healthyWithinMs: undefined,
      variants: [outcome('pool-unbounded', true)],
    });
    expect(report.planned).toBe(1);
    expect(renderFaultsMarkdown(report)).not.toContain('## Missed');
    expect(renderFaultsMarkdown(report)).not.toContain('Incomplete');
    expect(renderFaultsMarkdown(report)).toContain('- Missed: none');
  });
});
