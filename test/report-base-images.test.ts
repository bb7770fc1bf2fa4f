/**
 * The report says which image the target was built from when it was not the
 * one its Dockerfile names: summary.json under `images`, summary.md in a line.
 */
import { describe, expect, it } from 'vitest';
import { targetBaseKey } from '../src/environments/info.ts';
import type { RunSummary } from '../src/report/summary.ts';
import { renderMarkdown } from '../src/report/write.ts';

function summary(images: Record<string, string>): RunSummary {
  return {
    env: 'local',
    runId: 'abcd1234',
    startedAt: '2026-12-02T06:00:00.000Z',
    durationMs: 1_000,
    exitCode: 0,
    outcome: 'every check passed',
    target: { name: 'seed-python', image: 'shipshape-target/seed-python:latest', commit: 'abc123' },
    images,
    counts: { passed: 0, failed: 0, skipped: 0 },
    checks: [],
    harnessErrors: [],
    interrupted: false,
  };
}

describe('the base images in the report', () => {
  it('names the substitute each FROM image was built from, and the images the harness ran', () => {
    const markdown = renderMarkdown(
      summary({
        base: 'shipshape-airgap/node:24-bookworm-slim',
        postgres: 'shipshape-airgap/postgres:15-bookworm',
        [targetBaseKey('python:3.11-slim')]: 'shipshape-airgap/python:3.11-slim',
        [targetBaseKey('shipshape-fault/good:latest')]: 'shipshape-fault/good:latest',
      }),
    );
    expect(markdown).toContain(
      '- Images: base `shipshape-airgap/node:24-bookworm-slim`, postgres `shipshape-airgap/postgres:15-bookworm`\n',
    );
    expect(markdown).toContain(
      '- Target base images: `python:3.11-slim` built from its substitute `shipshape-airgap/python:3.11-slim`; ' +
        '`shipshape-fault/good:latest`\n',
    );
  });

  it('has no base image line when the run built nothing (a remote run)', () => {
    expect(renderMarkdown(summary({}))).not.toContain('Target base images');
  });
});
