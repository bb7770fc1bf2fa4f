/**
 * One declaration per check, in the folder of its seed task: id, title,
 * hint, what it requires, its own time limit, and `run(ctx)`. Everything
 * around it (skips, the time limit, masking secrets, the report) is the
 * runner's job, the same for every check.
 */
import type { Thresholds } from '../config/schema.ts';
import type { TargetSpec } from '../config/target-spec.ts';
import type { CheckLabel, Verdict } from './check.ts';
import type { CheckContext } from './context.ts';
import type { Requirement } from './requirements.ts';

/** What a time limit may depend on: the configured bounds and the target's declarations. */
export interface LimitInputs {
  thresholds: Thresholds;
  target: TargetSpec;
}

export interface CheckDefinition extends CheckLabel {
  /** Evaluated in order before `run`; the first unmet one skips the check with its reason. */
  requires: readonly Requirement[];
  /** How long `run` may take before the check fails as timed out (default: defaultTimeLimitMs). */
  timeLimitMs?: number | ((inputs: LimitInputs) => number);
  run(ctx: CheckContext): Promise<Verdict>;
}

/** A seed task: its number, a folder-friendly name, the plan's title, and its checks in report order. */
export interface TaskDefinition {
  /** The seed task's number, e.g. `3.2`: every check id starts with it. */
  id: string;
  /** The suite file is `suites/<id>-<name>.test.ts` and the code `src/tasks/<id>-<name>/`. */
  name: string;
  title: string;
  checks: readonly CheckDefinition[];
}

export const defaultTimeLimitMs = 120_000;

export function defineCheck(definition: CheckDefinition): CheckDefinition {
  return definition;
}

export function defineTask(task: TaskDefinition): TaskDefinition {
  for (const check of task.checks) {
    if (!check.id.startsWith(`${task.id}/`)) {
      throw new Error(`check ${check.id} is declared in task ${task.id}; its id must start with "${task.id}/"`);
    }
  }
  return task;
}

/** The check's limit: the config's override for its id, else its own, else the default. */
export function timeLimitOf(check: CheckDefinition, inputs: LimitInputs): number {
  const override = inputs.thresholds.checkTimeLimitsMs[check.id];
  if (override !== undefined) return override;
  const limit = check.timeLimitMs ?? defaultTimeLimitMs;
  return typeof limit === 'function' ? limit(inputs) : limit;
}
