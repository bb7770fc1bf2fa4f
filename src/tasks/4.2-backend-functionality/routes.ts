/**
 * Every route of the target's contract, exercised once in order: health,
 * readiness, a question, a question without its question field, and (where
 * the target keeps conversations) reading, deleting and re-reading the
 * conversation the question made. The same observations are judged twice:
 * against the harness's own expectations from the profile (expectations.ts)
 * and against the target's served OpenAPI document (openapi.ts), so a route
 * that drifted from the profile fails even where its own schema agrees.
 */
import type { TargetSpec } from '../../config/target-spec.ts';
import { describeFetchError, parseJson } from '../../support/http.ts';
import type { RouteObservation } from './openapi.ts';

/** Which contract route an observation is of: the judges look up their expectation by it. */
export type RouteRole =
  'health' | 'ready' | 'query' | 'query-invalid' | 'conversation' | 'conversation-delete' | 'conversation-deleted';

export interface RoleObservation extends RouteObservation {
  role: RouteRole;
}

export interface RouteTour {
  observations: RoleObservation[];
  /** The question asked, tagged with the run so a production run can recognise its own conversation. */
  question: string;
  /** Routes that gave no HTTP answer at all. */
  unanswered: string[];
  /** What happened to the conversation the question created. */
  cleanup: string;
}

type Api = Pick<TargetSpec, 'paths' | 'query'>;

async function call(
  baseUrl: string,
  method: string,
  path: string,
  timeoutMs: number,
  body?: unknown,
): Promise<RouteObservation | string> {
  try {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    return { method, path, status: response.status, body: parseJson(text), text };
  } catch (error) {
    return `${method} ${path}: ${describeFetchError(error)}`;
  }
}

export async function tourRoutes(
  baseUrl: string,
  target: Api,
  options: { runId: string; timeoutMs: number; questionTimeoutMs: number },
): Promise<RouteTour> {
  const { paths, query } = target;
  const observations: RoleObservation[] = [];
  const unanswered: string[] = [];
  const question = `What does the book say about health checks? (shipshape 4.2 run ${options.runId})`;
  const record = async (role: RouteRole, method: string, path: string, body?: unknown, timeoutMs?: number) => {
    const result = await call(baseUrl, method, path, timeoutMs ?? options.timeoutMs, body);
    if (typeof result === 'string') unanswered.push(result);
    else observations.push({ ...result, role });
    return typeof result === 'string' ? undefined : result;
  };

  await record('health', 'GET', paths.health);
  if (paths.ready) await record('ready', 'GET', paths.ready);
  const answer = await record(
    'query',
    'POST',
    paths.query,
    { [query.questionField]: question },
    options.questionTimeoutMs,
  );
  await record('query-invalid', 'POST', paths.query, { [query.selectedTextField]: 'a question field is missing' });

  const conversationId = (answer?.body as Record<string, unknown> | undefined)?.[query.conversationIdField];
  let cleanup = 'no conversation to delete';
  if (typeof conversationId === 'string' && answer?.status === 200) {
    if (paths.conversations) {
      const path = `${paths.conversations}/${encodeURIComponent(conversationId)}`;
      await record('conversation', 'GET', path);
      const deleted = await record('conversation-delete', 'DELETE', path);
      cleanup =
        deleted && deleted.status < 300
          ? `conversation ${conversationId} deleted`
          : `conversation ${conversationId} not deleted`;
      await record('conversation-deleted', 'GET', path);
    } else {
      cleanup = `conversation ${conversationId} kept (the target declares no conversations route)`;
    }
  }
  return { observations, question, unanswered, cleanup };
}

/** One line per observation for the evidence: method, path, status and the body's start. */
export function describeTour(tour: RouteTour): string {
  return tour.observations
    .map((seen) => `${seen.method} ${seen.path} -> ${seen.status} ${seen.text.slice(0, 160).replaceAll('\n', ' ')}`)
    .join('\n');
}
