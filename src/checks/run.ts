/**
 * Turns a check declaration into a verdict, the same way for every check:
 * unmet requirements skip with the reason; the check's time limit is enforced
 * here (an abort signal reaches the probe, and the verdict is a failure that
 * says what timed out); an exception becomes a failure with its message; and
 * every message and evidence is masked against the run's secrets.
 */
import type { EnvironmentInfo } from '../environments/info.ts';
import { maskSecretValues, type Secret } from '../support/secrets.ts';
import { failed, skipped, type CheckOutcome, type Verdict } from './check.ts';
import { CheckContext } from './context.ts';
import { timeLimitOf, type CheckDefinition } from './definition.ts';
import { unmetRequirement } from './requirements.ts';
import { settleRecordings } from '../target/recorder.ts';

export class CheckTimedOut extends Error {
  override name = 'CheckTimedOut';
}

export async function runCheck(check: CheckDefinition, environment: EnvironmentInfo): Promise<CheckOutcome> {
  const reason = unmetRequirement(check.requires, environment);
  if (reason) return skipped(reason);
  const limitMs = timeLimitOf(check, environment);
  const controller = new AbortController();
  const ctx = new CheckContext(environment, check.id, controller.signal);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timed out'>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new CheckTimedOut(`${check.id} did not finish within its time limit of ${limitMs} ms`));
      resolve('timed out');
    }, limitMs);
  });
  let verdict: Verdict;
  try {
    const outcome = await Promise.race([check.run(ctx).catch(errorVerdict), timedOut]);
    verdict =
      outcome === 'timed out'
        ? failed(
            `did not finish within its time limit (${(limitMs / 1000).toFixed(limitMs < 10_000 ? 1 : 0)} s)`,
            ctx.lastObservation ? `last seen: ${ctx.lastObservation}` : undefined,
          )
        : outcome;
  } finally {
    clearTimeout(timer);
  }
  // Answers still being recorded belong to this check, not the next one.
  await settleRecordings();
  const masked = maskVerdict(await restoredAfter(ctx, verdict), ctx.secrets);
  return ctx.attachments.length > 0 ? { ...masked, attachments: [...ctx.attachments] } : masked;
}

/**
 * A fault must not outlive its check: whatever the check left broken (it
 * timed out mid-outage, or forgot) is undone here, and the check that left it
 * fails, so the checks after it do not inherit the damage and blame the wrong thing.
 */
async function restoredAfter(ctx: CheckContext, verdict: Verdict): Promise<Verdict> {
  let undone: string[];
  try {
    undone = await ctx.restoreEnvironment();
  } catch (error) {
    const why = `the environment could not be restored after this check: ${(error as Error).message}`;
    return verdict.status === 'failed'
      ? failed(verdict.message, [verdict.evidence, why].filter(Boolean).join('\n'))
      : failed(why);
  }
  if (undone.length === 0) return verdict;
  const left = `left the environment broken (${undone.join('; ')}); the harness restored it`;
  if (verdict.status === 'failed') return failed(verdict.message, [verdict.evidence, left].filter(Boolean).join('\n'));
  return failed(left, `the check's own verdict was: ${verdict.message}`);
}

/** A probe that throws could not judge: the check fails with the reason, never a stack trace. */
function errorVerdict(error: unknown): Verdict {
  const message = error instanceof Error ? error.message : String(error);
  return failed(`the check could not complete: ${message.split('\n')[0]}`);
}

/** Masks the run's secret values in whatever a check reports. */
export function maskVerdict(verdict: Verdict, secrets: readonly Secret[]): Verdict {
  const message = maskSecretValues(verdict.message, secrets);
  if (verdict.status !== 'failed') return { ...verdict, message };
  const evidence = verdict.evidence === undefined ? {} : { evidence: maskSecretValues(verdict.evidence, secrets) };
  return { status: 'failed', message, ...evidence, ...(verdict.kind ? { kind: verdict.kind } : {}) };
}
