/**
 * Vitest orders test files by past duration and failures; suites must run in
 * the order of their seed tasks every time (1.1 before 1.2 before 3.1 ...),
 * so a run reads like the plan and a check that disturbs the environment
 * always runs at the same place.
 *
 * One exception, for what it must see: the security suite (5.3) runs last.
 * Its canary check searches everything the run received, so every other
 * suite's answers must be in by then; and its probes are the rudest (bursts,
 * hundreds of bad inputs, a database that refuses TLS), so no later suite
 * inherits their after-effects.
 */
import path from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Suites that run after all the others, in this order. */
export const runsLast = ['5.3'];

/**
 * Where a suite file runs: `3.2-postgres.test.ts` -> [0, 3, 2]. Files without a
 * task number come after the numbered ones, and runsLast after everything.
 */
function rank(file: string): [number, number, number] {
  const match = /^(\d+)\.(\d+)-/.exec(path.basename(file));
  if (!match) return [1, 0, 0];
  const last = runsLast.indexOf(`${match[1]}.${match[2]}`);
  return last >= 0 ? [2, last, 0] : [0, Number(match[1]), Number(match[2])];
}

export function compareByTask(a: string, b: string): number {
  const [aGroup, aFirst, aSecond] = rank(a);
  const [bGroup, bFirst, bSecond] = rank(b);
  return aGroup - bGroup || aFirst - bFirst || aSecond - bSecond || a.localeCompare(b);
}

export class TaskOrderSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    // The harness's own tests keep Vitest's order (slowest first keeps workers busy).
    if (!sorted.every((file) => file.project.name === 'suites')) return sorted;
    return [...sorted].sort((a, b) => compareByTask(a.moduleId, b.moduleId));
  }
}
