/**
 * Seed task 3.1's start-up rule, as a pure judgement: without a required
 * variable the app exits non-zero at once, names the variable, and prints no
 * secret. A default in its place, a crash loop that never ends, or an
 * environment dump all fail it.
 */
import { failed, passed, type Verdict } from '../../checks/check.ts';
import { evidenceLine, leakedSecrets, type Secret } from '../../support/secrets.ts';

export interface MissingVariableRun {
  variable: string;
  /** null: still running when the bound passed. */
  exitCode: number | null;
  afterMs: number;
  /** Everything it printed, stdout and stderr. */
  output: string;
}

export interface MissingVariableJudgement {
  variable: string;
  ok: boolean;
  /** One table cell: what happened, and what is wrong with it. Names variables, never values. */
  outcome: string;
}

function namesVariable(output: string, variable: string): boolean {
  return new RegExp(`(^|[^A-Za-z0-9_])${variable}([^A-Za-z0-9_]|$)`).test(output);
}

export function judgeMissingVariable(
  run: MissingVariableRun,
  secrets: readonly Secret[],
  withinMs: number,
): MissingVariableJudgement {
  const problems: string[] = [];
  let what: string;
  if (run.exitCode === null) {
    what = `still running after ${run.afterMs} ms`;
    problems.push(`did not exit within ${withinMs} ms`);
  } else if (run.exitCode === 0) {
    what = `exited 0 after ${run.afterMs} ms`;
    problems.push('exited 0 (a missing variable is a failure)');
  } else {
    what = `exited with code ${run.exitCode} after ${run.afterMs} ms`;
  }
  if (!namesVariable(run.output, run.variable)) problems.push('name missing from the log');
  const leaked = leakedSecrets(run.output, secrets);
  if (leaked.length > 0) problems.push(`leaked a secret: the value of ${leaked.join(', ')}`);
  if (problems.length === 0) return { variable: run.variable, ok: true, outcome: `${what}, named it` };
  return { variable: run.variable, ok: false, outcome: `${what}; ${problems.join('; ')}` };
}

/** Failing runs whose output goes into the evidence. */
const shownOutputs = 2;

/** One verdict for all variables; the evidence is a table, then the failing runs' last lines (masked). */
export function requiredVariablesVerdict(
  runs: readonly MissingVariableRun[],
  secrets: readonly Secret[],
  withinMs: number,
): Verdict {
  const judgements = runs.map((run) => judgeMissingVariable(run, secrets, withinMs));
  const bad = judgements.filter((judgement) => !judgement.ok);
  const table = [
    '| variable removed | outcome |',
    '|---|---|',
    ...judgements.map((judgement) => `| ${judgement.variable} | ${judgement.outcome.replaceAll('|', '\\|')} |`),
  ].join('\n');
  if (runs.length === 0) return passed('the target declares no required variables (target.requiredEnv is empty)');
  if (bad.length === 0) {
    const slowest = Math.max(...runs.map((run) => run.afterMs));
    return passed(
      `without each of ${runs.map((run) => run.variable).join(', ')} the app exited non-zero and named it ` +
        `(slowest ${slowest} ms, bound ${withinMs} ms), no secret printed`,
    );
  }
  const failing = runs.filter((run) => bad.some((judgement) => judgement.variable === run.variable));
  const outputs = failing.slice(0, shownOutputs).map((run) => {
    const lines = run.output.split(/\r?\n/).filter((line) => line.trim() !== '');
    const leaking = lines.filter((line) => leakedSecrets(line, secrets).length > 0);
    const [which, picked] =
      leaking.length > 0
        ? [`${Math.min(leaking.length, 5)} of ${leaking.length} line(s) carrying a secret`, leaking.slice(0, 5)]
        : [`last ${Math.min(lines.length, 8)} of ${lines.length} lines`, lines.slice(-8)];
    const shown = picked.map((line) => `  ${evidenceLine(line, secrets, 300)}`);
    return [`output without ${run.variable} (${which}, masked):`, ...shown].join('\n');
  });
  if (failing.length > shownOutputs) outputs.push(`(output of ${failing.length - shownOutputs} more not shown)`);
  return failed(
    `${bad.length} of ${runs.length} required variables not enforced: ` +
      bad.map((judgement) => `${judgement.variable} (${judgement.outcome})`).join('; '),
    [table, ...outputs].join('\n\n'),
  );
}
