/**
 * The two judgements of the same tour of the routes (routes.ts): by the
 * profile's expectations, and by the OpenAPI document the target serves.
 */
import { failed, passed, skipped, type Verdict } from '../../checks/check.ts';
import type { CheckContext } from '../../checks/context.ts';
import { excerpt, getJson } from '../../support/http.ts';
import { judgeAgainstProfile } from './expectations.ts';
import { OpenApiDocument } from './openapi.ts';
import { describeTour, tourRoutes, type RouteTour } from './routes.ts';

function tour(ctx: CheckContext): Promise<RouteTour> {
  return tourRoutes(ctx.baseUrl, ctx.target, {
    runId: ctx.runId,
    timeoutMs: ctx.thresholds.requestTimeoutMs,
    questionTimeoutMs: ctx.thresholds.requestTimeoutMs * 2,
  });
}

function routesSeen(seen: RouteTour): string {
  return [
    ...new Set(seen.observations.map((o) => `${o.method} ${o.path.replace(/[0-9a-f-]{36}/, ':id')} ${o.status}`)),
  ].join(', ');
}

export async function probeRoutesMatchProfile(ctx: CheckContext): Promise<Verdict> {
  const seen = await tour(ctx);
  const problems = judgeAgainstProfile(seen, ctx.target);
  if (problems.length > 0) {
    return failed(
      `${problems.length} route answer(s) differ from the profile: ${problems.join('; ')}`,
      describeTour(seen),
    );
  }
  return passed(`as the profile expects: ${routesSeen(seen)}; ${seen.cleanup}`);
}

export async function probeRoutesMatchOpenApi(ctx: CheckContext): Promise<Verdict> {
  const path = ctx.target.api.openapiPath;
  if (!path) return skipped('the target declares no OpenAPI document (target.api.openapiPath is null)');
  const served = await getJson(`${ctx.baseUrl}${path}`, ctx.thresholds.requestTimeoutMs);
  if (!served.ok) return failed(`GET ${path} got no answer: ${served.error}`);
  if (served.answer.status !== 200) {
    return failed(
      `GET ${path} answered ${served.answer.status}; the profile says the target serves its OpenAPI document there`,
      excerpt(served.answer.text),
    );
  }
  let document: OpenApiDocument;
  try {
    document = OpenApiDocument.parse(served.answer.body);
  } catch (error) {
    return failed(
      `GET ${path} is not a usable OpenAPI document: ${(error as Error).message}`,
      excerpt(served.answer.text),
    );
  }
  const seen = await tour(ctx);
  const problems = [
    ...seen.unanswered.map((line) => `${line} (no HTTP answer)`),
    ...seen.observations.flatMap((observation) => document.disagreements(observation)),
  ];
  if (problems.length > 0) {
    return failed(`what the routes answered disagrees with ${path}: ${problems.join('; ')}`, describeTour(seen));
  }
  return passed(`every answer agrees with ${path}: ${routesSeen(seen)}; ${seen.cleanup}`);
}
