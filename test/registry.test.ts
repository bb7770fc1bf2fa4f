/**
 * The registry is the one list of checks: ids are unique and name their
 * task, every task has its suite file and its folder, every check has a
 * broken variant that must fail it, and the README's table is generated
 * from it rather than kept by hand.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { faultVariants } from '../fixtures/faults/catalog.ts';
import { generatedReadme } from '../scripts/docs-checks.ts';
import { checks, tasks, taskSlug } from '../src/tasks/index.ts';

describe('the registry', () => {
  it('holds unique ids, each under its own seed task, each with a title and a remediation hint', () => {
    const ids = checks.map((check) => check.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const task of tasks) {
      expect(task.id).toMatch(/^\d+\.\d+$/);
      for (const check of task.checks) {
        expect(check.id).toMatch(new RegExp(`^${task.id.replace('.', '\\.')}/[a-z0-9-]+$`));
        expect(check.title.length, check.id).toBeGreaterThan(10);
        expect(check.hint.length, check.id).toBeGreaterThan(20);
      }
    }
  });

  it('lists the tasks in seed-task order, each with its folder and a suite file that registers it', () => {
    const order = tasks.map((task) => task.id);
    expect(order).toEqual([...order].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })));
    const suiteFiles = readdirSync('suites').filter((name) => name.endsWith('.test.ts'));
    expect(suiteFiles.sort()).toEqual(tasks.map((task) => `${taskSlug(task)}.test.ts`).sort());
    for (const task of tasks) {
      expect(existsSync(path.join('src/tasks', taskSlug(task), 'checks.ts')), task.id).toBe(true);
      const suite = readFileSync(path.join('suites', `${taskSlug(task)}.test.ts`), 'utf8');
      expect(suite).toContain(`from '../src/tasks/${taskSlug(task)}/checks.ts'`);
      expect(suite).toMatch(/registerTask\(\w+\);/);
    }
  });

  it('gives every check at least one broken variant in fixtures/faults/, and every variant a registered check', () => {
    const caught = new Set(faultVariants.map((variant) => variant.caughtBy));
    expect(checks.map((check) => check.id).filter((id) => !caught.has(id))).toEqual([]);
    const ids = new Set(checks.map((check) => check.id));
    expect(faultVariants.filter((variant) => !ids.has(variant.caughtBy)).map((variant) => variant.name)).toEqual([]);
  });

  it("is what the README's check table shows (npm run docs:checks rewrites it)", async () => {
    const readme = readFileSync('README.md', 'utf8');
    expect((await generatedReadme(readme)) === readme, 'README.md is stale: run `npm run docs:checks`').toBe(true);
  });
});
