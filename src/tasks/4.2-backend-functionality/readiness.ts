/**
 * External services as the platform sees them: the readiness route must name
 * every dependency the target declares (its database, Qdrant, Cohere), each
 * with whether it answered and how long it took, and its status must follow
 * from them (200 only when all are ok). A target without such a route fails:
 * a /health that answers 200 whatever happens tells the platform nothing.
 */
import { failed, passed, type Verdict } from '../../checks/check.ts';
import type { TargetSpec } from '../../config/target-spec.ts';
import { excerpt, getJson } from '../../support/http.ts';

type Api = Pick<TargetSpec, 'paths' | 'database' | 'api'>;

/** The names readiness must report, from the profile: the database's, Qdrant's and Cohere's. */
export function declaredDependencies(target: Api): string[] {
  return [target.database?.readinessName, target.api.qdrant?.readinessName, target.api.cohere?.readinessName].filter(
    (name): name is string => name !== undefined,
  );
}

/** Pure: what is wrong with a readiness answer, given the dependencies the target declares. */
export function judgeReadiness(status: number, body: unknown, dependencies: readonly string[]): string[] {
  const checks = (body as { checks?: unknown } | undefined)?.checks;
  if (typeof checks !== 'object' || checks === null || Array.isArray(checks)) {
    return ['the body has no "checks" object naming the dependencies'];
  }
  const entries = checks as Record<string, unknown>;
  const problems: string[] = [];
  const downs: string[] = [];
  for (const name of dependencies) {
    const check = entries[name] as { ok?: unknown; latencyMs?: unknown } | undefined;
    if (check === undefined) {
      problems.push(`"${name}" is not reported (the target uses it)`);
      continue;
    }
    if (typeof check.ok !== 'boolean') problems.push(`"${name}" has no boolean "ok"`);
    else if (!check.ok) downs.push(name);
    if (check.ok === true && (typeof check.latencyMs !== 'number' || check.latencyMs < 0)) {
      problems.push(`"${name}" is ok but reports no "latencyMs" number`);
    }
  }
  const anyDown = Object.values(entries).some((check) => (check as { ok?: unknown } | null)?.ok === false);
  if (status === 200 && anyDown) problems.push('it answered 200 while a dependency is not ok');
  if (status !== 200 && !anyDown) problems.push(`it answered ${status} while every reported dependency is ok`);
  if (status === 200 && downs.length > 0) problems.push(`it answered 200 with ${downs.join(', ')} down`);
  if (status !== 200 && status !== 503) problems.push(`it answered ${status}; readiness answers 200 or 503`);
  return problems;
}

export async function probeReadinessReportsDependencies(
  baseUrl: string,
  target: Api,
  timeoutMs: number,
): Promise<Verdict> {
  const dependencies = declaredDependencies(target);
  const path = target.paths.ready;
  if (!path) {
    return failed(
      `the target has no readiness route reporting its dependencies (${dependencies.join(', ') || 'none declared'}): ` +
        `GET ${target.paths.health} answers 200 whatever happens to them, which tells the platform nothing`,
    );
  }
  const result = await getJson(`${baseUrl}${path}`, timeoutMs);
  if (!result.ok) return failed(`GET ${path} got no answer: ${result.error}`);
  const { status, body, text } = result.answer;
  const problems = judgeReadiness(status, body, dependencies);
  if (problems.length > 0) return failed(`GET ${path}: ${problems.join('; ')}`, excerpt(text, 600));
  const checks = (body as { checks: Record<string, { ok: boolean; latencyMs?: number }> }).checks;
  const named = dependencies.map(
    (name) => `${name} ${checks[name]!.ok ? 'ok' : 'down'} (${checks[name]!.latencyMs ?? '?'} ms)`,
  );
  return passed(`GET ${path} answered ${status}: ${named.join(', ')}`);
}
