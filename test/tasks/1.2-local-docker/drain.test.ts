/**
 * The pure half of 1.2/sigterm-exits-cleanly: what became of each question
 * asked before SIGTERM, and the verdict on the stop, with the outcomes a
 * draining app, an app that exits at once and a shell that swallows the
 * signal produce. The end-to-end proof is the fault variants
 * sigterm-drops-in-flight and sigterm-ignored-by-shell.
 */
import { describe, expect, it } from 'vitest';
import { profiles } from '../../../src/config/profiles.ts';
import {
  drainEvidence,
  evaluateDrain,
  formatOutcome,
  httpOutcome,
  webSocketOutcome,
  type DrainObservation,
  type InFlightOutcome,
} from '../../../src/tasks/1.2-local-docker/drain.ts';
import type { QueryResult } from '../../../src/target/client.ts';

const { ws } = profiles.reference;
const notes = ['answers held: the Cohere stand-in delays every /v2/embed and /v2/chat call by 1500 ms'];

function reply(status: number, body: Record<string, unknown>): QueryResult {
  const text = JSON.stringify(body);
  const answer = body.answer;
  return {
    ok: true,
    reply: { status, headers: new Headers(), text, body, ...(typeof answer === 'string' ? { answer } : {}) },
  };
}

function answered(label: string, doneAtMs: number): InFlightOutcome {
  return { label, doneAtMs, answered: true, detail: 'answered 200 with a 95-character answer' };
}

function cut(label: string, doneAtMs: number, detail = 'no answer: UND_ERR_SOCKET'): InFlightOutcome {
  return { label, doneAtMs, answered: false, detail };
}

function observe(outcomes: InFlightOutcome[], exitCode: number | null, afterMs = 3_054): DrainObservation {
  return { outcomes, exit: { exitCode, afterMs }, drainWithinMs: 10_000, notes };
}

describe('what became of a question', () => {
  it('counts only a 200 with an answer text as answered', () => {
    expect(httpOutcome('http-1', reply(200, { answer: 'It says so.', sources: [] }), 2_800, 'answer')).toEqual({
      label: 'http-1',
      doneAtMs: 2_800,
      answered: true,
      detail: 'answered 200 with a 11-character answer',
    });
    expect(httpOutcome('http-1', reply(503, { error: { code: 'shutting_down' } }), 10, 'answer')).toMatchObject({
      answered: false,
      detail: 'answered 503',
    });
    expect(httpOutcome('http-1', reply(200, { answer: ' ' }), 10, 'answer')).toMatchObject({
      answered: false,
      detail: 'answered 200 without a "answer" text',
    });
    expect(httpOutcome('http-1', { ok: false, error: 'ECONNRESET' }, 147, 'answer')).toMatchObject({
      answered: false,
      detail: 'no answer: ECONNRESET',
    });
  });

  it('counts only the response frame with an answer text as answered over the WebSocket', () => {
    const frame = { type: 'response', message: 'Drain first.', sources: [] };
    expect(webSocketOutcome('websocket', { response: frame, frameTypes: ['response'] }, 2_800, ws)).toMatchObject({
      answered: true,
      detail: '"response" frame with a 12-character answer (frames seen: response)',
    });
    const closed = { frameTypes: [], error: 'the server closed the socket (code 1001: server shutting down)' };
    expect(webSocketOutcome('websocket', closed, 144, ws)).toMatchObject({
      answered: false,
      detail: 'no "response" frame: the server closed the socket (code 1001: server shutting down) (frames seen: none)',
    });
    const empty = { response: { type: 'response', message: '' }, frameTypes: ['response'] };
    expect(webSocketOutcome('websocket', empty, 10, ws)).toMatchObject({ answered: false });
  });

  it('says whether it was in flight at SIGTERM, and when it ended', () => {
    expect(formatOutcome(answered('http-1', 2_812))).toBe(
      'http-1     in flight at SIGTERM, done 2.8 s after it: answered 200 with a 95-character answer',
    );
    expect(formatOutcome(answered('http-2', -120))).toBe(
      'http-2     done 120 ms before SIGTERM: answered 200 with a 95-character answer',
    );
  });
});

describe('the verdict on a stop with questions in flight', () => {
  it('passes a drain: every question in flight answered, exit 0 within the bound', () => {
    const verdict = evaluateDrain(
      observe([answered('http-1', 2_800), answered('http-2', 2_810), answered('websocket', 2_790)], 0),
    );
    expect(verdict).toEqual({
      status: 'passed',
      message:
        'all 3 questions in flight at SIGTERM were answered (http-1 2.8 s after it, http-2 2.8 s after it, ' +
        'websocket 2.8 s after it); exited 0 3054 ms after SIGTERM (bound 10000 ms)',
    });
  });

  it('fails an app that exits 0 at once, cutting the answers in flight, and lists each outcome', () => {
    const observation = observe(
      [cut('http-1', 147), cut('http-2', 147), cut('websocket', 142, 'no "response" frame: could not talk to /ws')],
      0,
      481,
    );
    const verdict = evaluateDrain(observation);
    expect(verdict.status).toBe('failed');
    expect(verdict.message).toBe(
      '3 of 3 questions in flight when SIGTERM was sent got no answer (http-1, http-2, websocket): ' +
        'the app stopped before finishing its in-flight work',
    );
    const evidence = (verdict as { evidence: string }).evidence.split('\n');
    expect(evidence[0]).toBe(notes[0]);
    expect(evidence).toContain('http-1     in flight at SIGTERM, done 147 ms after it: no answer: UND_ERR_SOCKET');
    expect(evidence.at(-1)).toBe('exit: code 0, 481 ms after SIGTERM (bound 10000 ms)');
  });

  it('fails one cut answer among answered ones (the WebSocket closed while its answer was being made)', () => {
    const verdict = evaluateDrain(
      observe([answered('http-1', 1_300), cut('websocket', 144, 'no "response" frame: closed (code 1001)')], 0),
    );
    expect(verdict.status).toBe('failed');
    expect(verdict.message).toMatch(/^1 of 2 questions in flight when SIGTERM was sent got no answer \(websocket\)/);
  });

  it('fails a process still running after the bound (SIGTERM never reached it), though it answered', () => {
    const verdict = evaluateDrain(observe([answered('http-1', 2_800)], null, 10_182));
    expect(verdict).toMatchObject({
      status: 'failed',
      message: 'still running 10182 ms after SIGTERM (bound 10000 ms)',
    });
    expect(drainEvidence(observe([], null, 10_182))).toContain(
      'exit: still running 10182 ms after SIGTERM (bound 10000 ms)',
    );
  });

  it('fails a non-zero exit, and names every problem at once', () => {
    const verdict = evaluateDrain(observe([cut('http-1', 900)], 1));
    expect(verdict.message).toBe(
      '1 of 1 question in flight when SIGTERM was sent got no answer (http-1): the app stopped before finishing ' +
        'its in-flight work; exited with code 1 after SIGTERM, not 0',
    );
  });

  it('fails a question that got no answer even before SIGTERM', () => {
    const verdict = evaluateDrain(observe([cut('http-1', -50, 'answered 503'), answered('http-2', 2_800)], 0));
    expect(verdict).toMatchObject({
      status: 'failed',
      message: '1 question failed before SIGTERM was sent (http-1)',
    });
  });

  it('does not pass on the exit code alone when no question was still in flight', () => {
    const verdict = evaluateDrain(observe([answered('http-1', -200), answered('websocket', -180)], 0, 300));
    expect(verdict.status).toBe('skipped');
    expect(verdict.message).toBe(
      'no question was still in flight when SIGTERM was sent (all 2 were answered before it), so draining could ' +
        'not be judged; the container exited 0 300 ms after SIGTERM',
    );
    // A bad exit still fails, in flight or not.
    expect(evaluateDrain(observe([answered('http-1', -200)], 137)).status).toBe('failed');
  });

  it('counts questions answered before SIGTERM beside the ones in flight', () => {
    const verdict = evaluateDrain(observe([answered('http-1', -20), answered('http-2', 1_500)], 0));
    expect(verdict.message).toBe(
      'the 1 question in flight at SIGTERM was answered (http-2 1.5 s after it), 1 more before it; ' +
        'exited 0 3054 ms after SIGTERM (bound 10000 ms)',
    );
  });
});
