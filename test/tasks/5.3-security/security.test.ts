import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  countByKind,
  loadCorpus,
  sampleForProduction,
  type CorpusPaths,
} from '../../../src/tasks/5.3-security/corpus.ts';
import { judgeHttpAnswer, judgeWsOutcome } from '../../../src/tasks/5.3-security/corpus-probe.ts';
import { productionSslMode } from '../../../src/tasks/5.3-security/database.ts';
import { foreignOrigins, judgeAllowedAnswer, judgeForeignAnswer } from '../../../src/tasks/5.3-security/cors.ts';
import { maskedTextFrame } from '../../../src/tasks/5.3-security/exchange.ts';
import { allowed, findKeys } from '../../../src/tasks/5.3-security/keys.ts';
import { leaksIn, readsAsError } from '../../../src/tasks/5.3-security/leaks.ts';
import { casesFromOpenApi } from '../../../src/tasks/5.3-security/openapi-cases.ts';
import {
  configureRecorder,
  readRecording,
  recordHttpResponse,
  recordWebSocketFrame,
} from '../../../src/target/recorder.ts';

const referencePaths: CorpusPaths = {
  query: '/api/v1/query',
  health: '/health',
  ready: '/health/ready',
  ws: '/ws',
  conversations: '/api/v1/conversations',
  documents: '/api/v1/documents',
};

const context = {
  internalHosts: ['postgres:5432', 'qdrant:6333'],
  secrets: [{ name: 'COHERE_API_KEY', value: 'canary-cohere-ab12cd34' }],
};

describe('the bad-input corpus (fixtures/bad-inputs/)', () => {
  const corpus = loadCorpus(referencePaths);

  it('holds at least 200 cases over HTTP and WebSocket, of every kind the issue names', () => {
    expect(corpus.http.length + corpus.ws.length).toBeGreaterThanOrEqual(200);
    expect(corpus.ws.length).toBeGreaterThan(20);
    expect(Object.keys(countByKind(corpus.http))).toEqual(
      expect.arrayContaining([
        'malformed-json',
        'wrong-types',
        'missing-and-extra-fields',
        'oversized',
        'deep-nesting',
        'invalid-utf8',
        'unusual-unicode',
        'prototype-pollution',
        'sql-injection',
        'prompt-injection',
        'unknown-routes-and-methods',
        'bad-content-types',
      ]),
    );
    expect(corpus.ws.some((item) => item.afterClose !== undefined)).toBe(true);
    expect(corpus.ws.some((item) => item.steps.some((step) => step.kind === 'binary'))).toBe(true);
  });

  it('names each case once per file and resolves every path placeholder', () => {
    for (const item of corpus.http)
      expect(item.path).not.toMatch(/\{(query|health|ready|ws|conversations|documents)\}/);
    const names = corpus.http.map((item) => `${item.kind}/${item.name}`);
    expect(new Set(names).size).toBe(names.length);
  });

  it('expands generated bodies: oversized, nested, raw bytes', () => {
    const big = corpus.http.find((item) => item.name === 'body of 1 MB')!;
    expect(big.body!.length).toBeGreaterThan(1_000_000);
    const nested = corpus.http.find((item) => item.name === 'array nested 1000 deep')!;
    expect(nested.body!.toString()).toContain('['.repeat(1000));
    const utf8 = corpus.http.find((item) => item.name === 'byte 0xFF')!;
    expect(utf8.body!.includes(0xff)).toBe(true);
  });

  it('leaves out cases for routes the target lacks, saying why', () => {
    const seed = loadCorpus({ ...referencePaths, ready: null, conversations: null, documents: null });
    expect(seed.notApplicable.length).toBeGreaterThan(10);
    expect(seed.notApplicable[0]!.why).toMatch(/declares no route/);
  });

  it('samples a few light cases per kind for production, none needing the admin token', () => {
    const sample = sampleForProduction(corpus.http, 1);
    expect(sample.length).toBeLessThanOrEqual(Object.keys(countByKind(corpus.http)).length);
    expect(sample.every((item) => !item.auth && (item.body?.length ?? 0) <= 16 * 1024)).toBe(true);
  });
});

describe('cases derived from an OpenAPI document', () => {
  it('breaks each required field, type, maxLength, format and additionalProperties', () => {
    const cases = casesFromOpenApi({
      paths: {
        '/api/v1/query': {
          post: {
            requestBody: {
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['query'],
                    additionalProperties: false,
                    properties: {
                      query: { type: 'string', maxLength: 10 },
                      conversation_id: { type: 'string', format: 'uuid' },
                    },
                  },
                },
              },
            },
          },
        },
        '/api/v1/conversations/{id}': {
          get: { parameters: [{ name: 'id', in: 'path', schema: { type: 'string', format: 'uuid' } }] },
        },
      },
    });
    const names = cases.map((item) => item.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'POST /api/v1/query: without required query',
        'POST /api/v1/query: query of the wrong type',
        'POST /api/v1/query: query over maxLength',
        'POST /api/v1/query: conversation_id breaks format uuid',
        'POST /api/v1/query: an unknown field',
        'GET /api/v1/conversations/{id}: id breaks format uuid',
      ]),
    );
    const wrongType = cases.find((item) => item.name === 'POST /api/v1/query: query of the wrong type')!;
    expect(JSON.parse(wrongType.body!.toString())).toEqual({ query: 12345 });
    expect(cases.find((item) => item.method === 'GET')!.path).toBe('/api/v1/conversations/not-a-valid-value');
  });
});

describe('judging an answer to a bad input', () => {
  it('finds stack frames, SQL, file paths, internal hosts and secrets, but not what the request sent', () => {
    expect(leaksIn('Error: boom\n    at handler (/app/src/http/query.ts:12:5)', context).join()).toMatch(/stack/);
    expect(leaksIn('{"error":"relation \\"messages\\" does not exist"}', context).join()).toMatch(/database message/);
    expect(leaksIn('connect ECONNREFUSED postgres:5432', context).join()).toMatch(/internal host name: postgres:5432/);
    expect(leaksIn('key canary-cohere-ab12cd34', context)).toContain('the value of COHERE_API_KEY');
    expect(leaksIn('unknown field SELECT secret FROM users', context, ['SELECT secret FROM users'])).toEqual([]);
    expect(leaksIn('{"error":{"code":"bad_request","message":"invalid request: query is required"}}', context)).toEqual(
      [],
    );
  });

  it('wants a 4xx with something said, never a 5xx or a 200 carrying an error', () => {
    const item = { expect: '4xx' as const, sent: [] };
    expect(judgeHttpAnswer(item, 400, '{"error":{"code":"bad_request","message":"x"}}', context)).toEqual([]);
    expect(judgeHttpAnswer(item, 500, '{"error":{}}', context)).toEqual(['answered 500']);
    expect(judgeHttpAnswer(item, 200, '{"error":{"code":"bad_request"}}', context)).toEqual([
      'answered 200 with an error in the body',
    ]);
    expect(judgeHttpAnswer(item, 200, '{"answer":"fine"}', context)).toEqual(['accepted (200)']);
    expect(judgeHttpAnswer(item, 422, '', context)).toEqual(['answered 422 with an empty body']);
    expect(judgeHttpAnswer({ expect: 'answered', sent: [] }, 200, '{"answer":"fine"}', context)).toEqual([]);
    expect(readsAsError({ status: 'error' }, '')).toBe(true);
  });

  it('wants an error frame or a close for a bad frame, never an answer', () => {
    const item = { expect: '4xx' as const, sent: [] };
    expect(judgeWsOutcome(item, { opened: true, frames: ['{"type":"error","code":"bad_request"}'] }, context)).toEqual(
      [],
    );
    expect(judgeWsOutcome(item, { opened: true, frames: [], closed: { code: 1009, reason: '' } }, context)).toEqual([]);
    expect(
      judgeWsOutcome(item, { opened: true, frames: ['{"type":"response","message":"hi"}'] }, context).join(),
    ).toMatch(/answered a bad frame/);
    expect(
      judgeWsOutcome({ ...item, afterClose: 'x' }, { opened: true, frames: ['{"type":"response"}'] }, context).join(),
    ).toMatch(/after the close frame/);
  });
});

describe('the CORS matrix', () => {
  it('builds look-alikes, another scheme and another port from the allowed origin', () => {
    const origins = foreignOrigins('https://allowed.example').map((item) => item.origin);
    expect(origins).toEqual(
      expect.arrayContaining([
        'https://evil.example',
        'null',
        'https://allowed.example.evil.example',
        'http://allowed.example',
        'https://allowed.example:8443',
      ]),
    );
  });

  it('flags * with credentials, a missing Vary and preflights allowing more than the API needs', () => {
    const origin = 'https://allowed.example';
    const good = {
      status: 204,
      headers: {
        'access-control-allow-origin': origin,
        vary: 'Origin',
        'access-control-allow-methods': 'GET,POST,DELETE,OPTIONS',
        'access-control-allow-headers': 'content-type,authorization,x-request-id',
      },
    };
    expect(judgeAllowedAnswer(origin, good, true)).toEqual([]);
    const wildcard = {
      status: 200,
      headers: { 'access-control-allow-origin': '*', 'access-control-allow-credentials': 'true' },
    };
    expect(judgeAllowedAnswer(origin, wildcard, false).join()).toMatch(/\* with credentials/);
    expect(
      judgeAllowedAnswer(origin, { status: 200, headers: { 'access-control-allow-origin': origin } }, false).join(),
    ).toMatch(/Vary: Origin/);
    const loose = {
      ...good,
      headers: {
        ...good.headers,
        'access-control-allow-methods': 'GET,PUT,PATCH',
        'access-control-allow-headers': 'x-anything',
      },
    };
    expect(judgeAllowedAnswer(origin, loose, true).join()).toMatch(/PUT, PATCH.*x-anything/);
    expect(judgeForeignAnswer('https://evil.example', { status: 200, headers: {} })).toBeUndefined();
    expect(
      judgeForeignAnswer('https://evil.example', {
        status: 200,
        headers: { 'access-control-allow-origin': 'https://evil.example' },
      }),
    ).toMatch(/answered/);
  });
});

describe('the key scan', () => {
  it('finds each key format it knows and passes over placeholders', () => {
    const text = [
      'COHERE_API_KEY=Hb4Tz8Qw1Mn6Lk3Xc9Vr2Pd7Sj5Fg0Ay4Ue8Io1R',
      'QDRANT_API_KEY: "qk_live_0123456789abcdefghij"',
      'RAILWAY_TOKEN=6f1c2a7e-0c7e-4f5b-9d8f-3a1b2c3d4e5f',
      "const url = 'postgres://app:Sup3rS3cret@db.example:5432/app';",
      'COHERE_API_KEY=${COHERE_API_KEY}',
      'DATABASE_URL=postgres://user:password@localhost/db',
      'DATABASE_URL=postgres://u:p@h/db',
      'QDRANT_API_KEY=process.env.QDRANT_API_KEY',
    ].join('\n');
    const rules = findKeys(text, 'x.env').map((finding) => `${finding.line}:${finding.rule}`);
    expect(rules).toEqual(['1:cohere-api-key', '2:qdrant-api-key', '3:railway-token', '4:postgres-url-password']);
  });

  it('allows a finding only through an entry naming its file (or folder) and rule', () => {
    const finding = { file: 'test/a.ts', line: 1, rule: 'postgres-url-password', what: '' };
    expect(allowed(finding, [{ path: 'test/a.ts', rule: 'postgres-url-password', reason: 'a made-up URL' }])).toBe(
      true,
    );
    expect(allowed(finding, [{ path: 'test/', rule: '*', reason: 'made-up values' }])).toBe(true);
    expect(allowed(finding, [{ path: 'test/a.ts', rule: 'cohere-api-key', reason: 'a made-up key' }])).toBe(false);
    expect(allowed(finding, [{ path: 'test/a', rule: '*', reason: 'not a folder entry' }])).toBe(false);
  });
});

describe('production: the sslmode of the DATABASE_URL the CI job gives the harness', () => {
  const password = 'prod-pw-9c1e77aa';
  const url = (query: string) => `postgresql://app:${password}@db.example:5432/app${query}`;

  it('fails without sslmode, or with one that falls back to plaintext, and never shows the password', () => {
    for (const [query, shown] of [
      ['', 'no sslmode'],
      ['?sslmode=prefer', 'sslmode=prefer'],
      ['?sslmode=disable', 'sslmode=disable'],
    ] as const) {
      const verdict = productionSslMode(url(query));
      expect(verdict.status).toBe('failed');
      expect(verdict.message).toContain(shown);
      expect(verdict.message).not.toContain(password);
    }
    expect(productionSslMode('not a url')).toMatchObject({
      status: 'failed',
      message: expect.stringContaining('not a URL'),
    });
  });

  it('passes require, verify-ca and verify-full; skips, saying why, a reference or no URL at all', () => {
    for (const mode of ['require', 'verify-ca', 'verify-full']) {
      expect(productionSslMode(url(`?sslmode=${mode}`))).toMatchObject({ status: 'passed' });
    }
    expect(productionSslMode('${{postgres.DATABASE_URL}}?sslmode=require')).toMatchObject({
      status: 'skipped',
      message: expect.stringContaining('Railway reference'),
    });
    expect(productionSslMode('')).toMatchObject({
      status: 'skipped',
      message: expect.stringContaining('SHIPSHAPE_DATABASE_URL'),
    });
  });
});

describe('the recorder of responses and frames', () => {
  it('writes each one masked, with the names of the secrets it carried', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'shipshape-recorder-'));
    try {
      const file = path.join(dir, 'work', 'exchanges.jsonl');
      configureRecorder({ file, secrets: context.secrets, check: '5.3/test' });
      recordHttpResponse(
        'POST',
        'http://127.0.0.1:1/api/v1/query',
        500,
        new Headers({ 'x-key': 'canary-cohere-ab12cd34' }),
        '{}',
      );
      recordWebSocketFrame('ws://127.0.0.1:1/ws', '{"type":"response","message":"fine"}');
      const entries = readRecording(file);
      expect(entries.map((entry) => [entry.kind, entry.where, entry.leaked])).toEqual([
        ['http', 'POST /api/v1/query -> 500', ['COHERE_API_KEY']],
        ['ws', 'ws /ws frame', []],
      ]);
      expect(readFileSync(file, 'utf8')).not.toContain('canary-cohere-ab12cd34');
      expect(entries[0]!.excerpt).toContain('[COHERE_API_KEY masked]');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a frame written after the close frame', () => {
  it('is a masked client text frame (RFC 6455 5.2)', () => {
    const frame = maskedTextFrame('hi');
    expect(frame[0]).toBe(0x81);
    expect(frame[1]).toBe(0x80 | 2);
    const mask = frame.subarray(2, 6);
    expect(Buffer.from([frame[6]! ^ mask[0]!, frame[7]! ^ mask[1]!]).toString()).toBe('hi');
    expect(maskedTextFrame('x'.repeat(70_000))[1]).toBe(0x80 | 127);
  });
});
