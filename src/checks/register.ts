/**
 * A suite file is one line: `registerTask(task)`. Each check becomes a Vitest
 * test named by its id, given the environment the global setup provided;
 * Vitest's own timeout sits above the check's limit so the verdict, not
 * Vitest, reports a check that ran too long.
 */
import { describe, inject, test } from 'vitest';
import { CheckFailedError, taskOf, type Attachment } from './check.ts';
import { timeLimitOf, type TaskDefinition } from './definition.ts';
import { runCheck } from './run.ts';

/** What a check leaves on its Vitest task for the report. */
export interface CheckMeta {
  id: string;
  task: string;
  title: string;
  hint: string;
  kind?: 'threshold';
  message?: string;
  evidence?: string;
  /** Files the check wrote into the report folder (CheckContext.attach). */
  attachments?: Attachment[];
}

declare module 'vitest' {
  interface TaskMeta {
    shipshape?: CheckMeta;
  }
}

/** Room above a check's limit for the runner to write its verdict. */
const vitestGraceMs = 30_000;

export function registerTask(task: TaskDefinition): void {
  const environment = inject('shipshape:environment');
  describe(`${task.id} ${task.title}`, () => {
    for (const check of task.checks) {
      test(check.id, { timeout: timeLimitOf(check, environment) + vitestGraceMs }, async (context) => {
        const meta: CheckMeta = {
          id: check.id,
          task: taskOf(check.id),
          title: check.title,
          hint: check.hint,
          kind: check.kind,
        };
        context.task.meta.shipshape = meta;
        const verdict = await runCheck(check, environment);
        meta.message = verdict.message;
        if (verdict.attachments) meta.attachments = verdict.attachments;
        if (verdict.status === 'skipped') context.skip(verdict.message);
        if (verdict.status === 'failed') {
          meta.evidence = verdict.evidence;
          // The verdict can say its failure is only missed performance limits (exit 99 when alone).
          if (verdict.kind) meta.kind = verdict.kind;
          throw new CheckFailedError(check, verdict);
        }
      });
    }
  });
}
