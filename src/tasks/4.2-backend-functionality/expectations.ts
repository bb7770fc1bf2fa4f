/**
 * The harness's own expectations of each contract route, built from the
 * target's profile (field names, health fields, the error envelope of DESIGN
 * section 3), never from the target's schema: a route that renamed a field
 * fails here even when the document it serves was renamed with it.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import type { TargetSpec } from '../../config/target-spec.ts';
import type { RoleObservation, RouteRole, RouteTour } from './routes.ts';

type Json = Record<string, unknown>;
type Api = Pick<TargetSpec, 'paths' | 'query' | 'database' | 'api'>;

/** `{"error": {"code", "message"}}`: how every error of the contract is answered. */
const errorEnvelope = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string', minLength: 1 }, message: { type: 'string', minLength: 1 } },
    },
  },
};

interface Expectation {
  /** Acceptable statuses, as a sentence and a test. */
  statuses: string;
  accepts(status: number): boolean;
  /** JSON Schema of the body, per status class; undefined: any body. */
  schema(status: number): Json | undefined;
  /** Judgements a schema cannot state (the answer stored in its conversation). */
  extra?(observation: RoleObservation, tour: RouteTour): string | undefined;
}

export function expectationsOf(target: Api): Record<RouteRole, Expectation> {
  const { query, api } = target;
  const answerSchema: Json = {
    type: 'object',
    required: [query.answerField, query.sourcesField, query.conversationIdField],
    properties: {
      [query.answerField]: { type: 'string', minLength: 1, pattern: '\\S' },
      [query.sourcesField]: { type: 'array', items: { type: 'string' } },
      [query.conversationIdField]: { type: 'string', minLength: 1 },
    },
  };
  const healthSchema: Json = {
    type: 'object',
    required: ['status', ...api.healthFields],
    properties: { status: { const: 'ok' } },
  };
  const readySchema: Json = {
    type: 'object',
    required: ['checks'],
    properties: { checks: { type: 'object', minProperties: 1 } },
  };
  const error = (low: number, high: number) => (status: number) =>
    status >= low && status <= high ? errorEnvelope : undefined;
  return {
    health: { statuses: '200', accepts: (s) => s === 200, schema: () => healthSchema },
    ready: { statuses: '200 or 503', accepts: (s) => s === 200 || s === 503, schema: () => readySchema },
    query: {
      statuses: '200',
      accepts: (s) => s === 200,
      schema: (s) => (s === 200 ? answerSchema : errorEnvelope),
    },
    'query-invalid': {
      statuses: '400 or 422 (the request lacks its question)',
      accepts: (s) => s === 400 || s === 422,
      schema: error(400, 599),
    },
    conversation: {
      statuses: '200',
      accepts: (s) => s === 200,
      schema: (s) => (s === 200 ? { type: 'object' } : errorEnvelope),
      extra: (seen, tour) => {
        const answer = tour.observations.find((o) => o.role === 'query')?.body as Json | undefined;
        const text = answer?.[query.answerField];
        if (!seen.text.includes(JSON.stringify(tour.question).slice(1, -1)))
          return 'the stored conversation lacks the question';
        if (typeof text === 'string' && !seen.text.includes(JSON.stringify(text).slice(1, -1))) {
          return 'the stored conversation lacks the answer it was given';
        }
        return undefined;
      },
    },
    'conversation-delete': { statuses: '204 or 200', accepts: (s) => s === 204 || s === 200, schema: () => undefined },
    'conversation-deleted': { statuses: '404 (it was deleted)', accepts: (s) => s === 404, schema: error(400, 599) },
  };
}

/** What differs from the profile's expectations, one line per route; empty when every route meets them. */
export function judgeAgainstProfile(tour: RouteTour, target: Api): string[] {
  const expectations = expectationsOf(target);
  const ajv = new Ajv({ strict: false, allErrors: true });
  const cache = new Map<Json, ValidateFunction>();
  const problems: string[] = [...tour.unanswered.map((line) => `${line} (no HTTP answer)`)];
  for (const seen of tour.observations) {
    const expected = expectations[seen.role];
    const where = `${seen.method} ${seen.path}`;
    if (!expected.accepts(seen.status)) {
      problems.push(`${where} answered ${seen.status}, expected ${expected.statuses}`);
    }
    const schema = expected.schema(seen.status);
    if (schema) {
      let validate = cache.get(schema);
      if (!validate) {
        validate = ajv.compile(schema);
        cache.set(schema, validate);
      }
      if (seen.body === undefined) problems.push(`${where} ${seen.status}: the body is not JSON`);
      else if (!validate(seen.body)) {
        const errors = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`.trim());
        problems.push(`${where} ${seen.status}: ${errors.join('; ')}`);
      }
    }
    const extra = seen.status === 200 ? expected.extra?.(seen, tour) : undefined;
    if (extra) problems.push(`${where}: ${extra}`);
  }
  return problems;
}
