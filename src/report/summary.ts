export type CheckStatus = 'passed' | 'failed' | 'skipped';

export interface CheckRecord {
  id: string;
  task: string;
  title?: string;
  status: CheckStatus;
  durationMs: number;
  message: string;
  hint?: string;
  evidence?: string;
  /** Files the check wrote into the report folder (screenshots, figures), relative to it. */
  attachments?: { label: string; path: string }[];
  /** `threshold` checks failing alone give exit code 99. */
  kind?: 'threshold';
}

/** summary.json: the machine-readable verdict (DESIGN section 5). Keep the shape stable. */
export interface RunSummary {
  env: string;
  /** Labels every container of the run (dev.shipshape.run), for tracing leftovers. */
  runId: string;
  startedAt: string;
  durationMs: number;
  exitCode: number;
  outcome: string;
  target: { name: string; image: string; commit: string; url?: string };
  /**
   * The images the run used, by role (base, postgres, qdrant, cohere), and per image the target's
   * Dockerfile starts from, `target FROM <image as named>` -> what the build started from (its
   * substitute where the named one is not on the machine).
   */
  images: Record<string, string>;
  counts: { passed: number; failed: number; skipped: number };
  checks: CheckRecord[];
  harnessErrors: string[];
  interrupted: boolean;
}

export function countChecks(checks: CheckRecord[]): RunSummary['counts'] {
  return {
    passed: checks.filter((check) => check.status === 'passed').length,
    failed: checks.filter((check) => check.status === 'failed').length,
    skipped: checks.filter((check) => check.status === 'skipped').length,
  };
}
