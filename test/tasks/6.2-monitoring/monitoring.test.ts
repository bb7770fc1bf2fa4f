import { createEnvelope, serializeEnvelope } from '@sentry/core';
import { describe, expect, it } from 'vitest';
import { profiles } from '../../../src/config/profiles.ts';
import type { OutputLine } from '../../../src/support/log-lines.ts';
import {
  levelOf,
  logLevelsVerdict,
  noSecretsVerdict,
  statusOf,
  structuredLogsVerdict,
} from '../../../src/tasks/6.2-monitoring/log-judgement.ts';
import { boundedLabelsVerdict, countsVerdict } from '../../../src/tasks/6.2-monitoring/metrics-judgement.ts';
import { parseExposition, sumOf } from '../../../src/tasks/6.2-monitoring/prometheus-text.ts';
import {
  capturedEnvelopes,
  reportedVerdict,
  scrubbedVerdict,
} from '../../../src/tasks/6.2-monitoring/sentry-capture.ts';

const spec = profiles.reference.metrics;
const secrets = [{ name: 'COHERE_API_KEY', value: 'canary-cohere-123456' }];
const out = (...texts: string[]): OutputLine[] => texts.map((text) => ({ stream: 'stdout', text }));
const line = (fields: Record<string, unknown>) => JSON.stringify({ time: 1, msg: 'x', ...fields });

describe('Prometheus text', () => {
  it('parses prom-client histograms with le first, escaped label values and special numbers', () => {
    const exposition = parseExposition(
      [
        '# HELP h x',
        '# TYPE h histogram',
        'h_bucket{le="0.1",route="/a",status="200"} 1',
        'h_bucket{le="+Inf",route="/a",status="200"} 2',
        'h_count{route="/a",status="200"} 2',
        'h_count{route="/b\\"q\\\\",status="404"} 1',
        '# TYPE g gauge',
        'g 3 1700000000000',
        'n NaN',
      ].join('\n'),
    );
    expect(exposition.types.get('h')).toBe('histogram');
    expect(sumOf(exposition, 'h_count', { status: '200' })).toBe(2);
    expect(
      exposition.samples.find((sample) => sample.name === 'h_count' && sample.labels.status === '404')!.labels.route,
    ).toBe('/b"q\\');
    expect(exposition.samples.find((sample) => sample.labels.le === '+Inf')!.value).toBe(2);
    expect(sumOf(exposition, 'g')).toBe(3);
  });

  it('names the line it cannot parse', () => {
    expect(() => parseExposition('ok 1\nbroken{route="/a} 1')).toThrow(/line 2/);
  });
});

function scrape(requests404: number, ws: number, dependencyCalls: number, route = '/api/v1/conversations/:id') {
  return parseExposition(
    [
      '# TYPE http_requests_total counter',
      `http_requests_total{method="GET",route="${route}",status="404"} ${requests404}`,
      '# TYPE http_request_duration_seconds histogram',
      `http_request_duration_seconds_count{method="GET",route="${route}",status="404"} ${requests404}`,
      '# TYPE websocket_connections gauge',
      `websocket_connections ${ws}`,
      '# TYPE dependency_request_duration_seconds histogram',
      `dependency_request_duration_seconds_count{dependency="qdrant",operation="search"} ${dependencyCalls}`,
      '# TYPE dependency_errors_total counter',
    ].join('\n'),
  );
}

const sent = {
  request: 'GET /api/v1/conversations/<random id>',
  count: 3,
  status: 404,
  ids: ['7a5b638b-52ae-4e4b-afc0-5845732b5e39'],
  websocket: true,
  questionAnswered: true,
};

describe('metrics judgements', () => {
  it('passes when the counters move by exactly what was sent', () => {
    const verdict = countsVerdict(
      spec,
      { before: scrape(2, 0, 5), during: scrape(2, 1, 5), after: scrape(5, 0, 8) },
      sent,
    );
    expect(verdict.status).toBe('passed');
  });

  it('fails when they do not move, or the gauge does not follow the WebSocket', () => {
    const still = countsVerdict(
      spec,
      { before: scrape(2, 0, 5), during: scrape(2, 0, 5), after: scrape(2, 0, 5) },
      sent,
    );
    expect(still.status).toBe('failed');
    expect(still.message).toContain('moved by 0');
    expect(still.message).toContain('websocket_connections moved by 0');
  });

  it('counts a forced 5xx once and the dependency error behind it', () => {
    const forced = { ...sent, forcedError: { request: 'POST /q with its tables renamed away', status: 500 } };
    const errorLines = (count: number) =>
      parseExposition(
        [
          `http_requests_total{method="POST",route="/api/v1/query",status="500"} ${count}`,
          '# TYPE dependency_errors_total counter',
          `dependency_errors_total{dependency="postgres",operation="saveMessage"} ${count}`,
        ].join('\n'),
      );
    const merge = (a: ReturnType<typeof scrape>, b: ReturnType<typeof scrape>) => ({
      types: new Map([...a.types, ...b.types]),
      samples: [...a.samples, ...b.samples],
    });
    const before = merge(scrape(2, 0, 5), errorLines(0));
    const during = merge(scrape(2, 1, 5), errorLines(0));
    expect(countsVerdict(spec, { before, during, after: merge(scrape(5, 0, 8), errorLines(1)) }, forced).status).toBe(
      'passed',
    );
    const uncounted = countsVerdict(spec, { before, during, after: merge(scrape(5, 0, 8), errorLines(0)) }, forced);
    expect(uncounted.message).toContain('dependency_errors_total did not move');
  });

  it('fails on an id in a label value, passes on route templates', () => {
    expect(boundedLabelsVerdict(spec, scrape(3, 0, 0), sent).status).toBe('passed');
    const leaked = boundedLabelsVerdict(spec, scrape(3, 0, 0, `/api/v1/conversations/${sent.ids[0]}`), sent);
    expect(leaked.status).toBe('failed');
    expect(leaked.message).toContain('label value(s) hold ids');
  });
});

describe('log judgements over the whole run', () => {
  const known = [
    { id: 'r-404', request: 'GET /c/<id>', status: 404 },
    { id: 'r-500', request: 'POST /q', status: 500 },
  ];
  const good = out(
    line({ level: 30, msg: 'listening' }),
    line({ level: 30, reqId: 'r-404', req: { url: '/c/1' } }),
    line({ level: 30, reqId: 'r-404', res: { statusCode: 404 } }),
    line({ level: 50, reqId: 'r-500', err: {} }),
    line({ level: 30, reqId: 'r-500', res: { statusCode: 500 } }),
    line({ level: 30, reqId: 'r-503', req: { url: '/health/ready' } }),
    line({ level: 30, reqId: 'r-503', res: { statusCode: 503 } }),
  );

  it('reads levels and statuses the way the usual loggers write them', () => {
    expect([levelOf(30), levelOf(50), levelOf('WARNING'), levelOf('critical'), levelOf('loud')]).toEqual([
      'info',
      'error',
      'warn',
      'fatal',
      undefined,
    ]);
    expect([statusOf({ res: { statusCode: 404 } }), statusOf({ status: 500 }), statusOf({ status: 'ok' })]).toEqual([
      404,
      500,
      undefined,
    ]);
  });

  it('passes a good run: structured, 4xx not at error, 5xx with an error line, readiness 503 exempt', () => {
    expect(structuredLogsVerdict(good, known, secrets).status).toBe('passed');
    expect(logLevelsVerdict(good, known, '/health/ready', secrets).status).toBe('passed');
    expect(noSecretsVerdict(good, secrets).status).toBe('passed');
  });

  it('fails a plain-text line, a response line without a request id, a 4xx at error, a 5xx at info', () => {
    expect(
      structuredLogsVerdict(out(...good.map((l) => l.text), 'request failed: boom'), known, secrets).message,
    ).toContain('not JSON log lines');
    expect(
      structuredLogsVerdict(out(...good.map((l) => l.text), line({ level: 30, status: 200 })), known, secrets).message,
    ).toContain('without a request id');
    const clientAsError = out(...good.map((l) => l.text), line({ level: 50, reqId: 'r-404', msg: 'not found' }));
    expect(logLevelsVerdict(clientAsError, known, '/health/ready', secrets).message).toContain(
      '4xx) logged at error level',
    );
    const serverAtInfo = out(...good.filter((l) => !l.text.includes('"level":50')).map((l) => l.text));
    expect(logLevelsVerdict(serverAtInfo, known, '/health/ready', secrets).message).toContain(
      'with no line at error level',
    );
  });

  it('fails a secret anywhere in the run, and never prints it', () => {
    const verdict = noSecretsVerdict(
      out(...good.map((l) => l.text), line({ level: 30, key: secrets[0]!.value })),
      secrets,
    );
    expect(verdict.status).toBe('failed');
    expect(JSON.stringify(verdict)).not.toContain(secrets[0]!.value);
  });
});

function captured(event: Record<string, unknown>): OutputLine[] {
  const envelope = createEnvelope({ event_id: 'e1', sent_at: 'now' }, [[{ type: 'event' }, event]] as never);
  const body = Buffer.from(serializeEnvelope(envelope) as string).toString('base64');
  return out(
    JSON.stringify({ kind: 'listening', port: 9000 }),
    JSON.stringify({ kind: 'envelope', project: '1', body }),
  );
}

describe('Sentry capture', () => {
  const observation = (lines: OutputLine[]) => ({
    request: 'POST /q',
    status: 500,
    requestIds: ['r-500'],
    tag: 'request_id',
    envelopes: capturedEnvelopes(lines).envelopes,
    otherRequests: 0,
  });

  it('finds the event tagged with the request id, parsed with @sentry/core', () => {
    const lines = captured({
      event_id: 'e1',
      tags: { request_id: 'r-500' },
      exception: { values: [{ type: 'Error', value: 'x' }] },
    });
    expect(capturedEnvelopes(lines).listening).toBe(true);
    expect(reportedVerdict(observation(lines), secrets).status).toBe('passed');
    expect(scrubbedVerdict(observation(lines), secrets).status).toBe('passed');
  });

  it('fails when nothing arrived, when the tag is missing, and when an event carries a secret', () => {
    expect(reportedVerdict(observation(out()), secrets).message).toContain('no error event reached the DSN');
    expect(reportedVerdict(observation(captured({ event_id: 'e1', tags: {} })), secrets).message).toContain(
      'none carries the tag',
    );
    const leaking = scrubbedVerdict(
      observation(captured({ event_id: 'e1', extra: { env: secrets[0]!.value } })),
      secrets,
    );
    expect(leaking.message).toContain('show the value of COHERE_API_KEY');
    expect(JSON.stringify(leaking)).not.toContain(secrets[0]!.value);
  });
});
