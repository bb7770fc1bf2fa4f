/**
 * Verdicts: what a check concludes. A check is small and named and says what
 * to change (container-structure-test, hadolint); its declaration lives in
 * definition.ts, the runner that turns it into a verdict in run.ts.
 */
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

/** What the report needs of a check besides its verdict. */
export interface CheckLabel {
  /** Stable id `<seed task>/<name>`, e.g. `1.2/health-200`. Never renamed: CI and reports key on it. */
  id: string;
  title: string;
  /** One line: what to change when the check fails. */
  hint: string;
  /** Performance thresholds: when only these fail, the run exits 99. */
  kind?: 'threshold';
}

export class CheckFailedError extends Error {
  override name = 'CheckFailedError';
  readonly label: CheckLabel;
  readonly verdict: Verdict & { status: 'failed' };
  constructor(label: CheckLabel, verdict: Verdict & { status: 'failed' }) {
    super(
      [
        `${label.id}: ${verdict.message}`,
        `hint: ${label.hint}`,
        verdict.evidence ? `evidence:\n${verdict.evidence}` : '',
      ]
        .filter(Boolean)
        .join('\n'),
    );
    this.label = label;
    this.verdict = verdict;
  }
}
