/**
 * A check is small and named, says what to change (container-structure-test,
 * hadolint). Probes return a Verdict; suites turn verdicts into test outcomes;
 * self-tests assert verdicts directly on broken targets.
 */
export interface CheckSpec {
  /** Stable id `<seed task>/<name>`, e.g. `1.2/honours-port`. Never renamed: CI and reports key on it. */
  id: string;
  title: string;
  /** One line: what to change when the check fails. */
  hint: string;
  /** Performance thresholds: when only these fail, the run exits 99. */
  kind?: 'threshold';
}

export type Verdict =
  | { status: 'passed'; message: string }
  | { status: 'failed'; message: string; evidence?: string }
  | { status: 'skipped'; message: string };

export function passed(message: string): Verdict {
  return { status: 'passed', message };
}

export function failed(message: string, evidence?: string): Verdict {
  return evidence === undefined ? { status: 'failed', message } : { status: 'failed', message, evidence };
}

export function skipped(reason: string): Verdict {
  return { status: 'skipped', message: reason };
}

export function taskOf(checkId: string): string {
  const task = checkId.split('/')[0];
  if (!task || !/^\d+\.\d+$/.test(task))
    throw new Error(`check id "${checkId}" does not start with a seed task number`);
  return task;
}

export class CheckFailedError extends Error {
  override name = 'CheckFailedError';
  readonly spec: CheckSpec;
  readonly verdict: Verdict & { status: 'failed' };
  constructor(spec: CheckSpec, verdict: Verdict & { status: 'failed' }) {
    super(
      [`${spec.id}: ${verdict.message}`, `hint: ${spec.hint}`, verdict.evidence ? `evidence:\n${verdict.evidence}` : '']
        .filter(Boolean)
        .join('\n'),
    );
    this.spec = spec;
    this.verdict = verdict;
  }
}
