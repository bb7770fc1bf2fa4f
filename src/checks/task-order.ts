/**
 * Vitest orders test files by past duration and failures; suites must run in
 * the order of their seed tasks every time (1.1 before 1.2 before 3.1 ...),
 * so a run reads like the plan and a check that disturbs the environment
 * always runs at the same place.
 */
import path from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** `3.2-postgres.test.ts` -> [3, 2]; files without a task number sort last. */
function taskNumber(file: string): number[] {
  const match = /^(\d+)\.(\d+)-/.exec(path.basename(file));
  return match ? [Number(match[1]), Number(match[2])] : [Infinity, Infinity];
}

export function compareByTask(a: string, b: string): number {
  const [aMajor, aMinor] = taskNumber(a);
  const [bMajor, bMinor] = taskNumber(b);
  return aMajor! - bMajor! || aMinor! - bMinor! || a.localeCompare(b);
}

export class TaskOrderSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    // The harness's own tests keep Vitest's order (slowest first keeps workers busy).
    if (!sorted.every((file) => file.project.name === 'suites')) return sorted;
    return [...sorted].sort((a, b) => compareByTask(a.moduleId, b.moduleId));
  }
}
