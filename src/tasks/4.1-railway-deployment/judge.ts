/** Pure judgements of a deployment: its status and commit, and its logs. */
import { errorLines } from '../../railway/logs.ts';
import type { ObservedDeployment } from './deployment.ts';

export type Judgement = { ok: true; message: string } | { ok: false; message: string; evidence?: string };

function sameCommit(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x.length >= 7 && y.length >= 7 && (x.startsWith(y) || y.startsWith(x));
}

export function judgeDeployment(observed: ObservedDeployment): Judgement {
  const { deployment, orchestration } = observed;
  if (orchestration && orchestration.exitCode !== 0) {
    return {
      ok: false,
      message: `the deploy against the Railway stand-in exited ${orchestration.exitCode}`,
      evidence: orchestration.description,
    };
  }
  if (!deployment) return { ok: false, message: 'Railway lists no deployment of the service in this environment' };
  if (deployment.status !== 'SUCCESS') {
    return {
      ok: false,
      message: `the latest deployment ${deployment.id} is ${deployment.status}, not SUCCESS`,
      evidence: `created ${deployment.createdAt ?? '?'}, updated ${deployment.updatedAt ?? '?'}`,
    };
  }
  const expected = observed.expectedCommit;
  if (expected) {
    if (!deployment.commit) {
      return {
        ok: false,
        message: `the latest deployment ${deployment.id} names no commit; expected ${expected.commit.slice(0, 12)} (${expected.source})`,
      };
    }
    if (!sameCommit(deployment.commit, expected.commit)) {
      return {
        ok: false,
        message: `the latest deployment ${deployment.id} runs commit ${deployment.commit.slice(0, 12)}, not ${expected.commit.slice(0, 12)} (${expected.source})`,
      };
    }
  }
  const record = orchestration?.record;
  if (orchestration && (!record?.url || !record.deploymentId || !record.commit)) {
    return { ok: false, message: 'the deploy succeeded but deployment.json lacks the URL, deployment id or commit' };
  }
  return {
    ok: true,
    message:
      `the latest deployment ${deployment.id} is SUCCESS` +
      (expected
        ? ` for commit ${deployment.commit!.slice(0, 12)}`
        : ' (no deployment.json: the commit was not compared)') +
      (record ? `; deployment.json: ${record.url}` : ''),
  };
}

export function judgeLogs(observed: ObservedDeployment): Judgement {
  const { deployment } = observed;
  if (!deployment) return { ok: false, message: 'no deployment whose logs could be read' };
  const build = errorLines(observed.buildLogs);
  const deploy = errorLines(observed.deployLogs);
  if (build.length + deploy.length === 0) {
    return {
      ok: true,
      message: `no error line in the build log (${observed.buildLogs.length} lines) or the deploy log (${observed.deployLogs.length} lines) of ${deployment.id}`,
    };
  }
  const show = (label: string, lines: typeof build) => lines.slice(0, 10).map((line) => `${label}: ${line.message}`);
  return {
    ok: false,
    message: `deployment ${deployment.id} logged ${build.length} error line(s) in its build log and ${deploy.length} in its deploy log`,
    evidence: [...show('build', build), ...show('deploy', deploy)].join('\n'),
  };
}
