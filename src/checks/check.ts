/**
 * Verdicts: what a check concludes. A check is small and named and says what
 * to change (container-structure-test, hadolint); its declaration lives in
 * definition.ts, the runner that turns it into a verdict in run.ts.
 */
export type Verdict =
  | { status: 'passed'; message: string }
  /** kind 'threshold': only performance limits were missed (the run exits 99 when nothing else failed). */
  | { status: 'failed'; message: string; evidence?: string; kind?: 'threshold' }
  | { status: 'skipped'; message: string };

/**
 * A file a check wrote into the run's report folder (a screenshot, a table of figures), linked from
 * summary.md beside its verdict: CheckContext.attach writes it, the runner adds it to the verdict.
 */
export interface Attachment {
  label: string;
  /** Relative to the report folder, with forward slashes. */
  path: string;
}

/** What the runner makes of a check: its verdict and the files it attached. */
export type CheckOutcome = Verdict & { attachments?: Attachment[] };

export function passed(message: string): Verdict {
  return { status: 'passed', message };
}

export function failed(message: string, evidence?: string): Verdict {
  return evidence === undefined ? { status: 'failed', message } : { status: 'failed', message, evidence };
}

/** Performance limits missed, and nothing else wrong: the measured values beside the limits. */
export function thresholdsMissed(message: string, evidence?: string): Verdict {
  return { ...(failed(message, evidence) as Verdict & { status: 'failed' }), kind: 'threshold' };
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
  /**
   * Performance thresholds: when only these fail, the run exits 99. A check that judges thresholds
   * among other things leaves this unset and returns thresholdsMissed() when only its limits failed.
   */
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
