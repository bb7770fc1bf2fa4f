/**
 * Turns a check declaration into a verdict, the same way for every check:
 * unmet requirements skip with the reason; the check's time limit is enforced
 * here (an abort signal reaches the probe, and the verdict is a failure that
 * says what timed out); an exception becomes a failure with its message; and
 * every message and evidence is masked against the run's secrets.
 */
import type { EnvironmentInfo } from '../environments/info.ts';
import { maskSecretValues, type Secret } from '../support/secrets.ts';
import { failed, skipped, type Verdict } from './check.ts';
import { CheckContext } from './context.ts';
import { timeLimitOf, type CheckDefinition } from './definition.ts';
import { unmetRequirement } from './requirements.ts';

export class CheckTimedOut extends Error {
  override name = 'CheckTimedOut';
}

export async function runCheck(check: CheckDefinition, environment: EnvironmentInfo): Promise<Verdict> {
  const reason = unmetRequirement(check.requires, environment);
  if (reason) return skipped(reason);
  const limitMs = timeLimitOf(check, environment);
  const controller = new AbortController();
  const ctx = new CheckContext(environment, check.id, controller.signal);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<Verdict>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new CheckTimedOut(`${check.id} did not finish within its time limit of ${limitMs} ms`));
      resolve(failed(`did not finish within its time limit (${(limitMs / 1000).toFixed(0)} s)`));
    }, limitMs);
  });
  try {
    const verdict = await Promise.race([check.run(ctx).catch(errorVerdict), timedOut]);
    return maskVerdict(verdict, ctx.secrets);
  } finally {
    clearTimeout(timer);
  }
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
  return verdict.evidence === undefined
    ? failed(message)
    : failed(message, maskSecretValues(verdict.evidence, secrets));
}
