/**
 * What must hold before a deploy: the local suites green for the commit being
 * deployed (a fresh summary.json of an `--env=local` run, or a run made now),
 * and every variable the target requires set in the environment the deploy
 * runs in (names only: values are read to be upserted, never shown).
 */

/** The part of a run's summary.json preflight reads (src/report/summary.ts has the whole shape). */
export interface LocalRunSummary {
  env: string;
  startedAt: string;
  exitCode: number;
  target?: { commit?: string };
  counts?: { passed: number; failed: number; skipped: number };
  checks?: { id: string }[];
}

/** green: it vouches for the deploy; red: it says this commit fails; stale: it says nothing of this commit now. */
export interface SummaryJudgement {
  verdict: 'green' | 'red' | 'stale';
  why: string;
}

/** A summary vouches for the deploy when it is a green local run of this commit, newer than maxAgeMs. */
export function judgeLocalSummary(
  summary: LocalRunSummary | undefined,
  commit: string | undefined,
  now: number,
  maxAgeMs: number,
  /** Every check id there is: a run of some suites only (--suite, --check) vouches for nothing. */
  allChecks?: readonly string[],
): SummaryJudgement {
  if (!summary) return { verdict: 'stale', why: 'no summary of a local run' };
  if (summary.env !== 'local') return { verdict: 'stale', why: `the latest run was --env=${summary.env}, not local` };
  const age = now - Date.parse(summary.startedAt);
  if (!Number.isFinite(age) || age > maxAgeMs) {
    return { verdict: 'stale', why: `the latest local run is older than ${Math.round(maxAgeMs / 3_600_000)} h` };
  }
  const ran = summary.target?.commit;
  if (commit && ran && !(commit.startsWith(ran) || ran.startsWith(commit))) {
    return { verdict: 'stale', why: `the latest local run verified commit ${ran}, not ${commit.slice(0, 12)}` };
  }
  if (allChecks && summary.checks) {
    const ran = new Set(summary.checks.map((check) => check.id));
    const left = allChecks.filter((id) => !ran.has(id));
    if (left.length > 0) {
      return {
        verdict: 'stale',
        why: `the latest local run left out ${left.length} of ${allChecks.length} checks (a --suite or --check run)`,
      };
    }
  }
  if (summary.exitCode !== 0) {
    return { verdict: 'red', why: `the latest local run of this commit exited ${summary.exitCode}` };
  }
  const counts = summary.counts ? ` (${summary.counts.passed} passed, ${summary.counts.skipped} skipped)` : '';
  return { verdict: 'green', why: `the local suites passed for this commit${counts}` };
}

/** Required variables the environment does not set (or sets empty). */
export function missingVariables(required: readonly string[], env: NodeJS.ProcessEnv): string[] {
  return required.filter((name) => !env[name]?.trim());
}

/**
 * The variables the deploy upserts: every required or secret variable of the
 * target that the environment sets, plus any named with --variables.
 * A value such as `${{postgres.DATABASE_URL}}` is a Railway reference and is
 * upserted as written.
 */
export function variablesToUpsert(names: readonly string[], env: NodeJS.ProcessEnv): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const name of [...new Set(names)].sort()) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') variables[name] = value;
  }
  return variables;
}
