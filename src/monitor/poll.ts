/**
 * One poll of the service: its readiness route (each dependency's state read
 * from the body when it says), and optionally one question through the API,
 * turned into a Sample for the state machine with a one-line summary.
 */
import type { QueryShape } from '../config/profiles.ts';
import { describeFailure, probe, type ProbeOutcome } from './probe.ts';
import type { Sample } from './state.ts';

export interface PollTarget {
  baseUrl: string;
  /** The readiness route, or the health route when the target has none. */
  readyPath: string;
  queryPath: string;
  query: Pick<QueryShape, 'questionField' | 'answerField'>;
  /** Ask this question too on every poll. */
  question?: string;
  timeoutMs: number;
  ca?: string[];
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** `postgres 3 ms, qdrant: timeout`: the dependencies a readiness body names, the failing ones first. */
export function dependencySummary(body: unknown): { failing: string[]; text: string } {
  const checks = (body as { checks?: Record<string, { ok?: unknown; latencyMs?: unknown; error?: unknown }> })?.checks;
  if (!checks || typeof checks !== 'object') return { failing: [], text: '' };
  const entries = Object.entries(checks);
  const failing = entries.filter(([, check]) => check?.ok !== true).map(([name]) => name);
  const text = [
    ...entries
      .filter(([, check]) => check?.ok !== true)
      .map(([name, check]) => `${name}: ${typeof check?.error === 'string' ? check.error : 'failing'}`),
    ...entries
      .filter(([, check]) => check?.ok === true)
      .map(([name, check]) => `${name}${typeof check.latencyMs === 'number' ? ` ${check.latencyMs} ms` : ''}`),
  ].join(', ');
  return { failing, text };
}

export function readinessSample(at: number, path: string, outcome: ProbeOutcome): Sample {
  if (!outcome.ok)
    return { at, ok: false, latencyMs: outcome.latencyMs, summary: `${path} ${describeFailure(outcome)}` };
  const { failing, text } = dependencySummary(parse(outcome.body));
  const ok = outcome.status === 200;
  const state = ok ? 'ready' : failing.length > 0 ? `not ready (${failing.join(', ')} failing)` : 'not ready';
  return {
    at,
    ok,
    latencyMs: outcome.latencyMs,
    summary: `${path} ${outcome.status} ${state} in ${outcome.latencyMs} ms${text ? ` [${text}]` : ''}`,
  };
}

export function questionSample(at: number, target: PollTarget, outcome: ProbeOutcome): Sample {
  const what = `question ${target.queryPath}`;
  if (!outcome.ok)
    return { at, ok: false, latencyMs: outcome.latencyMs, summary: `${what} ${describeFailure(outcome)}` };
  const answer = (parse(outcome.body) as Record<string, unknown> | undefined)?.[target.query.answerField];
  const answered = outcome.status === 200 && typeof answer === 'string' && answer.trim() !== '';
  return {
    at,
    ok: answered,
    latencyMs: outcome.latencyMs,
    summary: answered
      ? `${what} answered in ${outcome.latencyMs} ms`
      : `${what} ${outcome.status}${outcome.status === 200 ? ' without an answer' : ''} in ${outcome.latencyMs} ms`,
  };
}

/** Readiness, then the question when asked for: the poll is good only if both are. */
export async function pollOnce(target: PollTarget): Promise<Sample> {
  const ready = readinessSample(
    0,
    target.readyPath,
    await probe({
      url: `${target.baseUrl}${target.readyPath}`,
      timeoutMs: target.timeoutMs,
      ...(target.ca ? { ca: target.ca } : {}),
    }),
  );
  // A sample is dated when its answer came: when the monitor learnt the status.
  if (!target.question || !ready.ok) return { ...ready, at: Date.now() };
  const asked = questionSample(
    0,
    target,
    await probe({
      url: `${target.baseUrl}${target.queryPath}`,
      method: 'POST',
      body: JSON.stringify({ [target.query.questionField]: target.question }),
      headers: { 'x-request-id': `shipshape-monitor-${Date.now()}` },
      timeoutMs: target.timeoutMs,
      ...(target.ca ? { ca: target.ca } : {}),
    }),
  );
  return { at: Date.now(), ok: asked.ok, latencyMs: ready.latencyMs, summary: `${ready.summary}; ${asked.summary}` };
}
