/**
 * Seed task 1.2, the pure half of 1.2/sigterm-exits-cleanly: what became of
 * each question that was asked before SIGTERM, and the verdict on a redeploy's
 * stop. Railway sends SIGTERM on every redeploy; answers in flight then must
 * still arrive, and the process must exit 0 before the platform's SIGKILL.
 * No I/O here, so each rule is unit-tested with good and broken outcomes.
 */
import { failed, passed, skipped, type Verdict } from '../../checks/check.ts';
import type { WebSocketShape } from '../../config/profiles.ts';
import type { QueryResult } from '../../target/client.ts';
import type { WebSocketExchange } from '../../target/websocket.ts';

/** One question asked before SIGTERM, and what came of it. */
export interface InFlightOutcome {
  /** `http-1`, `websocket`, ... */
  label: string;
  /** When its answer or its failure came, in ms after SIGTERM was sent (negative: before). */
  doneAtMs: number;
  /** Answered the way the frontend needs: HTTP 200 with an answer text, or the response frame with one. */
  answered: boolean;
  /** What came: `200 with a 412-character answer`, `no answer: ECONNRESET`, ... */
  detail: string;
}

/** The target's exit after SIGTERM, as Docker saw it. */
export interface ExitAfterSigterm {
  /** null: still running when the bound passed. */
  exitCode: number | null;
  afterMs: number;
}

export interface DrainObservation {
  outcomes: readonly InFlightOutcome[];
  exit: ExitAfterSigterm;
  drainWithinMs: number;
  /** How the harness kept the answers in flight, and when SIGTERM went out. */
  notes: readonly string[];
}

/** An HTTP question's outcome: only a 200 carrying an answer text counts as answered. */
export function httpOutcome(
  label: string,
  result: QueryResult,
  doneAtMs: number,
  answerField: string,
): InFlightOutcome {
  if (!result.ok) return { label, doneAtMs, answered: false, detail: `no answer: ${result.error}` };
  const { reply } = result;
  if (reply.status !== 200) return { label, doneAtMs, answered: false, detail: `answered ${reply.status}` };
  if (!reply.answer?.trim()) {
    return { label, doneAtMs, answered: false, detail: `answered 200 without a "${answerField}" text` };
  }
  return { label, doneAtMs, answered: true, detail: `answered 200 with a ${reply.answer.length}-character answer` };
}

/** A WebSocket question's outcome: only the response frame carrying an answer text counts as answered. */
export function webSocketOutcome(
  label: string,
  exchange: WebSocketExchange,
  doneAtMs: number,
  ws: Pick<WebSocketShape, 'responseType' | 'answerField'>,
): InFlightOutcome {
  const frames = `frames seen: ${exchange.frameTypes.join(', ') || 'none'}`;
  if (!exchange.response) {
    return {
      label,
      doneAtMs,
      answered: false,
      detail: `no "${ws.responseType}" frame: ${exchange.error ?? 'none came'} (${frames})`,
    };
  }
  const answer = exchange.response[ws.answerField];
  if (typeof answer !== 'string' || !answer.trim()) {
    return {
      label,
      doneAtMs,
      answered: false,
      detail: `"${ws.responseType}" frame without a "${ws.answerField}" text`,
    };
  }
  return {
    label,
    doneAtMs,
    answered: true,
    detail: `"${ws.responseType}" frame with a ${answer.length}-character answer (${frames})`,
  };
}

function questions(count: number): string {
  return `${count} question${count === 1 ? '' : 's'}`;
}

function inFlight(outcome: InFlightOutcome): boolean {
  return outcome.doneAtMs >= 0;
}

function ms(value: number): string {
  return Math.abs(value) < 1_000 ? `${Math.round(value)} ms` : `${(value / 1_000).toFixed(1)} s`;
}

export function formatOutcome(outcome: InFlightOutcome): string {
  const when = inFlight(outcome)
    ? `in flight at SIGTERM, done ${ms(outcome.doneAtMs)} after it`
    : `done ${ms(-outcome.doneAtMs)} before SIGTERM`;
  return `${outcome.label.padEnd(10)} ${when}: ${outcome.detail}`;
}

function exitLine(exit: ExitAfterSigterm, drainWithinMs: number): string {
  return exit.exitCode === null
    ? `exit: still running ${exit.afterMs} ms after SIGTERM (bound ${drainWithinMs} ms)`
    : `exit: code ${exit.exitCode}, ${exit.afterMs} ms after SIGTERM (bound ${drainWithinMs} ms)`;
}

/** The evidence of a drain: how answers were held, each question's fate, and the exit. */
export function drainEvidence(observation: DrainObservation): string {
  return [
    ...observation.notes,
    ...observation.outcomes.map(formatOutcome),
    exitLine(observation.exit, observation.drainWithinMs),
  ].join('\n');
}

/**
 * Every question asked before SIGTERM is answered (the ones still in flight
 * when it came above all), and the process exits 0 within the drain bound.
 * Questions the harness could not keep in flight prove nothing about
 * draining: when none was, the check says so instead of passing on the exit
 * code alone. New connections after SIGTERM may be refused; none is made.
 */
export function evaluateDrain(observation: DrainObservation): Verdict {
  const { outcomes, exit, drainWithinMs } = observation;
  const problems: string[] = [];
  const flying = outcomes.filter(inFlight);
  const cut = flying.filter((outcome) => !outcome.answered);
  if (cut.length > 0) {
    problems.push(
      `${cut.length} of ${questions(flying.length)} in flight when SIGTERM was sent got no answer ` +
        `(${cut.map((outcome) => outcome.label).join(', ')}): the app stopped before finishing its in-flight work`,
    );
  }
  const early = outcomes.filter((outcome) => !inFlight(outcome) && !outcome.answered);
  if (early.length > 0) {
    problems.push(
      `${questions(early.length)} failed before SIGTERM was sent (${early.map((outcome) => outcome.label).join(', ')})`,
    );
  }
  if (exit.exitCode === null) {
    problems.push(`still running ${exit.afterMs} ms after SIGTERM (bound ${drainWithinMs} ms)`);
  } else if (exit.exitCode !== 0) {
    problems.push(`exited with code ${exit.exitCode} after SIGTERM, not 0`);
  }
  if (problems.length > 0) return failed(problems.join('; '), drainEvidence(observation));
  if (flying.length === 0) {
    return skipped(
      `no question was still in flight when SIGTERM was sent (all ${outcomes.length} were answered before it), ` +
        `so draining could not be judged; the container exited 0 ${exit.afterMs} ms after SIGTERM`,
    );
  }
  const answeredEarly = outcomes.length - flying.length;
  return passed(
    `${flying.length === 1 ? 'the 1 question' : `all ${flying.length} questions`} in flight at SIGTERM ` +
      `${flying.length === 1 ? 'was' : 'were'} answered ` +
      `(${flying.map((outcome) => `${outcome.label} ${ms(outcome.doneAtMs)} after it`).join(', ')})` +
      (answeredEarly > 0 ? `, ${answeredEarly} more before it` : '') +
      `; exited 0 ${exit.afterMs} ms after SIGTERM (bound ${drainWithinMs} ms)`,
  );
}
