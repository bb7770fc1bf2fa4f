import { test } from 'vitest';
import { CheckFailedError, taskOf, type CheckSpec, type Verdict } from './check.ts';

/** What a check leaves on its Vitest task for the report. */
export interface CheckMeta {
  id: string;
  task: string;
  title: string;
  hint: string;
  kind?: 'threshold';
  message?: string;
  evidence?: string;
}

declare module 'vitest' {
  interface TaskMeta {
    shipshape?: CheckMeta;
  }
}

export interface CheckOptions {
  timeoutMs?: number;
}

/** Registers a check as a Vitest test named by its id. */
export function check(spec: CheckSpec, probe: () => Promise<Verdict>, options: CheckOptions = {}): void {
  const task = taskOf(spec.id);
  test(spec.id, { timeout: options.timeoutMs ?? 120_000 }, async (context) => {
    const meta: CheckMeta = { id: spec.id, task, title: spec.title, hint: spec.hint, kind: spec.kind };
    context.task.meta.shipshape = meta;
    const verdict = await probe();
    meta.message = verdict.message;
    if (verdict.status === 'skipped') context.skip(verdict.message);
    if (verdict.status === 'failed') {
      meta.evidence = verdict.evidence;
      throw new CheckFailedError(spec, verdict);
    }
  });
}
