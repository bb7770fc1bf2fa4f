import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { passed } from '../src/checks/check.ts';
import { defineCheck } from '../src/checks/definition.ts';
import { runCheck } from '../src/checks/run.ts';
import { renderMarkdown } from '../src/report/write.ts';
import { countChecks, type CheckRecord } from '../src/report/summary.ts';
import { fakeEnvironment } from './support/environment.ts';

describe('attachments', () => {
  it('a check writes a file into the report folder, masked, and its verdict carries the link', async () => {
    const reportDir = await mkdtemp(path.join(tmpdir(), 'shipshape-attach-'));
    try {
      const environment = fakeEnvironment({
        reportDir,
        local: {
          image: 'x',
          buildArgs: {},
          networkName: 'n',
          alias: 'backend',
          environment: { COHERE_API_KEY: 'canary-cohere-attach' },
        },
      });
      const check = defineCheck({
        id: '9.9/attaches',
        title: 'attaches',
        hint: 'none',
        requires: [],
        run: async (ctx) => {
          await ctx.attach('figures | table', 'figures.md', 'key canary-cohere-attach');
          await ctx.attach('screenshot', 'shot.png', new Uint8Array([137, 80, 78, 71]));
          return passed('done');
        },
      });
      const outcome = await runCheck(check, environment);
      expect(outcome.attachments).toEqual([
        { label: 'figures | table', path: 'attachments/9.9_attaches/figures.md' },
        { label: 'screenshot', path: 'attachments/9.9_attaches/shot.png' },
      ]);
      const text = await readFile(path.join(reportDir, 'attachments/9.9_attaches/figures.md'), 'utf8');
      expect(text).not.toContain('canary-cohere-attach');
      expect((await readFile(path.join(reportDir, 'attachments/9.9_attaches/shot.png'))).length).toBe(4);

      const checks: CheckRecord[] = [
        {
          id: '9.9/attaches',
          task: '9.9',
          status: 'passed',
          durationMs: 1,
          message: 'done',
          attachments: outcome.attachments!,
        },
      ];
      const markdown = renderMarkdown({
        env: 'local',
        runId: 'r',
        startedAt: '2026-12-02T00:00:00.000Z',
        durationMs: 1,
        exitCode: 0,
        outcome: 'all checks passed',
        target: { name: 'reference', image: 'i', commit: 'c' },
        images: {},
        counts: countChecks(checks),
        checks,
        harnessErrors: [],
        interrupted: false,
      });
      expect(markdown).toContain(
        '| `9.9/attaches` | PASS | done ([figures \\| table](attachments/9.9_attaches/figures.md), [screenshot](attachments/9.9_attaches/shot.png)) |',
      );
    } finally {
      await rm(reportDir, { recursive: true, force: true });
    }
  });
});
