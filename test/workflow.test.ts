/**
 * The GitHub Actions workflow runs the README's commands and nothing else:
 * each `run` step is `npm run <script>` or `npm test` with a script that
 * package.json has, a pull request is gated on the local run, main deploys
 * then verifies production with the token from secrets, and the report folder
 * is uploaded whatever happened.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface Step {
  run?: string;
  uses?: string;
  if?: string;
  with?: Record<string, unknown>;
}
interface Job {
  if?: string;
  env?: Record<string, string>;
  steps: Step[];
}

const workflow = parse(readFileSync('.github/workflows/shipshape.yml', 'utf8')) as {
  on: Record<string, unknown>;
  jobs: Record<string, Job>;
};
const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
const readme = readFileSync('README.md', 'utf8');

/** The npm script a `run` line calls: `npm test -- ...` is `test`, `npm run deploy -- ...` is `deploy`. */
function scriptOf(run: string): string | undefined {
  const match = /^npm (?:run ([\w:-]+)|(test))\b/.exec(run.trim());
  return match?.[1] ?? match?.[2];
}

const runSteps = Object.values(workflow.jobs).flatMap((job) => job.steps.filter((step) => step.run));

describe('.github/workflows/shipshape.yml', () => {
  it('runs only npm scripts that package.json has, each command one the README shows', () => {
    expect(runSteps.length).toBeGreaterThan(0);
    for (const step of runSteps) {
      const script = scriptOf(step.run!);
      expect(script, `"${step.run}" is not an npm script call`).toBeDefined();
      expect(scripts[script!], `package.json has no script "${script}" (${step.run})`).toBeDefined();
      expect(readme.includes(step.run!.trim()) || readme.includes(`npm run ${script}`), step.run).toBe(true);
    }
  });

  it('gates a pull request on --env=local, and on main deploys then verifies production', () => {
    expect(Object.keys(workflow.on)).toEqual(expect.arrayContaining(['pull_request', 'push']));
    const jobFor = (event: string) => Object.values(workflow.jobs).find((job) => job.if?.includes(event))!;
    const pull = jobFor("'pull_request'")
      .steps.map((step) => step.run)
      .filter(Boolean);
    expect(pull).toEqual(['npm run setup', 'npm test -- --env=local']);
    const main = jobFor("'push'");
    expect(main.steps.map((step) => step.run).filter(Boolean)).toEqual([
      'npm run setup',
      'npm run deploy -- --env=production',
      'npm test -- --env=production',
    ]);
    expect(main.env?.RAILWAY_TOKEN).toBe('${{ secrets.RAILWAY_TOKEN }}');
  });

  it('uploads the report folder in every job, even when a step failed', () => {
    for (const [name, job] of Object.entries(workflow.jobs)) {
      const upload = job.steps.find((step) => step.uses?.startsWith('actions/upload-artifact'));
      expect(upload, name).toBeDefined();
      expect(upload!.if).toBe('always()');
      expect(upload!.with?.path).toBe('reports/');
    }
  });
});
