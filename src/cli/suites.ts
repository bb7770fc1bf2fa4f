import { readdirSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from './args.ts';

export interface SuiteFile {
  task: string;
  file: string;
}

/** Suite files are named `<seed task>-<topic>.test.ts`; the task number is the handle users pass. */
export function listSuites(suitesDir: string): SuiteFile[] {
  return readdirSync(suitesDir)
    .map((name) => ({ name, match: /^(\d+\.\d+)-.+\.test\.ts$/.exec(name) }))
    .filter((entry) => entry.match)
    .map((entry) => ({ task: entry.match![1]!, file: path.join(suitesDir, entry.name) }))
    .sort((a, b) => a.task.localeCompare(b.task, 'en', { numeric: true }));
}

export function selectSuites(suitesDir: string, tasks: string[] | undefined): SuiteFile[] {
  const available = listSuites(suitesDir);
  if (!tasks) return available;
  const unknown = tasks.filter((task) => !available.some((suite) => suite.task === task));
  if (unknown.length > 0) {
    throw new UsageError(
      `no suite for seed task ${unknown.join(', ')}; available: ${available.map((suite) => suite.task).join(', ')}`,
    );
  }
  return available.filter((suite) => tasks.includes(suite.task));
}
