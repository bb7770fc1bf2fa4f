import { describe, expect, it } from 'vitest';
import {
  demuxDockerLog,
  findStackTrace,
  judgeLogLines,
  linesForRequest,
  parseLogLine,
  splitOutput,
} from '../../src/support/log-lines.ts';
import { evidenceLine, leakedSecrets, maskSecretValues, secretsOf } from '../../src/support/secrets.ts';

const pinoLine =
  '{"level":30,"time":1795557106116,"pid":1,"hostname":"f29c705ee45a","reqId":"shipshape-ab12cd34-1",' +
  '"req":{"method":"POST","url":"/api/v1/query"},"msg":"incoming request"}';
const pythonJsonLine =
  '{"levelname":"INFO","timestamp":"2026-11-24T21:50:20Z","message":"answered","request_id":"abc-123-def"}';
const uvicornLine = 'INFO:     Started server process [1]';

describe('parseLogLine', () => {
  it('reads a pino line: numeric level and time, msg, reqId', () => {
    const judgement = parseLogLine(pinoLine);
    expect(judgement).toMatchObject({
      ok: true,
      line: { level: 30, time: 1795557106116, message: 'incoming request', requestId: 'shipshape-ab12cd34-1' },
    });
  });

  it('accepts the other common field names (levelname, timestamp, message, request_id)', () => {
    expect(parseLogLine(pythonJsonLine)).toMatchObject({
      ok: true,
      line: { level: 'INFO', message: 'answered', requestId: 'abc-123-def' },
    });
    expect(parseLogLine('{"severity":"ERROR","@timestamp":"2026-11-24T00:00:00Z","msg":"x","req_id":7}')).toMatchObject(
      { ok: true, line: { level: 'ERROR', requestId: '7' } },
    );
  });

  it('refuses plain text, such as uvicorn or a print statement', () => {
    expect(parseLogLine(uvicornLine)).toEqual({ ok: false, reason: 'not JSON' });
    expect(parseLogLine('Starting chatbot backend...')).toEqual({ ok: false, reason: 'not JSON' });
  });

  it('refuses JSON that is not an object, and names what an object lacks', () => {
    expect(parseLogLine('["a"]')).toEqual({ ok: false, reason: 'JSON, but not an object' });
    expect(parseLogLine('42')).toEqual({ ok: false, reason: 'JSON, but not an object' });
    const judgement = parseLogLine('{"level":"info","msg":"no time"}');
    expect(judgement.ok).toBe(false);
    expect(judgement.ok ? '' : judgement.reason).toBe('JSON object without a time (time|timestamp|ts|@timestamp)');
  });

  it('does not take an object as a message', () => {
    const judgement = parseLogLine('{"level":30,"time":1,"msg":{"nested":true}}');
    expect(judgement.ok ? '' : judgement.reason).toContain('a message (msg|message)');
  });
});

describe('judgeLogLines', () => {
  it('numbers non-empty lines and lists the offending ones with their stream', () => {
    const judgement = judgeLogLines([
      { stream: 'stdout', text: 'Starting chatbot backend...' },
      { stream: 'stdout', text: '   ' },
      { stream: 'stdout', text: pinoLine },
      { stream: 'stderr', text: uvicornLine },
    ]);
    expect(judgement.total).toBe(3);
    expect(judgement.structured).toHaveLength(1);
    expect(judgement.offending).toEqual([
      { stream: 'stdout', text: 'Starting chatbot backend...', number: 1, reason: 'not JSON' },
      { stream: 'stderr', text: uvicornLine, number: 3, reason: 'not JSON' },
    ]);
  });

  it('finds a request by the id in its request-id field only', () => {
    const { structured } = judgeLogLines(
      splitOutput([pinoLine, '{"level":30,"time":1,"msg":"shipshape-ab12cd34-1 mentioned in text"}'].join('\n')),
    );
    expect(linesForRequest(structured, ['shipshape-ab12cd34-1'])).toHaveLength(1);
    expect(linesForRequest(structured, ['other'])).toHaveLength(0);
  });
});

function frame(stream: 1 | 2, text: string): Buffer {
  const body = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

describe('demuxDockerLog', () => {
  it('splits multiplexed frames into lines per stream, joining a line cut across frames', () => {
    const payload = Buffer.concat([
      frame(1, '{"level":30,'),
      frame(2, 'warning on stderr\n'),
      frame(1, '"time":1,"msg":"ok"}\nsecond line\r\n'),
      frame(1, 'no newline at the end'),
    ]);
    expect(demuxDockerLog(payload)).toEqual([
      { stream: 'stderr', text: 'warning on stderr' },
      { stream: 'stdout', text: '{"level":30,"time":1,"msg":"ok"}' },
      { stream: 'stdout', text: 'second line' },
      { stream: 'stdout', text: 'no newline at the end' },
    ]);
  });

  it('takes a TTY payload (no frames) as plain stdout text', () => {
    expect(demuxDockerLog(Buffer.from('one\n\ntwo\n'))).toEqual([
      { stream: 'stdout', text: 'one' },
      { stream: 'stdout', text: 'two' },
    ]);
  });
});

describe('findStackTrace', () => {
  it('finds Node frames on their own lines', () => {
    const output = [
      'file:///app/src/config.ts:12',
      'Error: QDRANT_COLLECTION is required',
      '    at loadConfig (file:///app/src/config.ts:12:11)',
      '    at file:///app/src/server.ts:3:1',
    ].join('\n');
    expect(findStackTrace(output)).toEqual({
      kind: 'node',
      line: '    at loadConfig (file:///app/src/config.ts:12:11)',
    });
  });

  it('finds Node frames inside a JSON log field (err.stack)', () => {
    const line =
      '{"level":60,"time":1,"err":{"message":"boom","stack":"Error: boom\\n    at main (/app/src/server.ts:4:9)"},"msg":"boom"}';
    expect(findStackTrace(line)?.kind).toBe('node');
  });

  it('finds a Python traceback and Python frames', () => {
    const traceback = [
      'Traceback (most recent call last):',
      '  File "/app/main.py", line 3, in <module>',
      "KeyError: 'QDRANT_COLLECTION'",
    ].join('\n');
    expect(findStackTrace(traceback)).toEqual({ kind: 'python', line: 'Traceback (most recent call last):' });
    expect(findStackTrace('  File "/app/settings.py", line 9, in load')?.kind).toBe('python');
  });

  it('passes a clean one-line configuration error, and prose that says "at"', () => {
    const clean =
      '{"level":60,"time":1795556779526,"msg":"invalid environment: QDRANT_COLLECTION is required but not set","variables":["QDRANT_COLLECTION"]}';
    expect(findStackTrace(clean)).toBeUndefined();
    expect(findStackTrace('failed at start-up: look at the README, section 3')).toBeUndefined();
    expect(findStackTrace('INFO:     Uvicorn running on http://0.0.0.0:8000')).toBeUndefined();
  });
});

describe('secrets', () => {
  const environment = {
    DATABASE_URL: 'postgres://shipshape:p%40ss-word-9@postgres:5432/shipshape?sslmode=require',
    QDRANT_API_KEY: 'canary-qdrant-ab12cd34',
    QDRANT_URL: 'http://qdrant:6333',
    ADMIN_TOKEN: 'abc',
  };
  const secrets = secretsOf(environment, ['DATABASE_URL', 'QDRANT_API_KEY', 'ADMIN_TOKEN', 'COHERE_API_KEY']);

  it('takes each secret variable, and the password inside a URL (encoded and decoded)', () => {
    expect(secrets).toEqual([
      { name: 'DATABASE_URL', value: environment.DATABASE_URL },
      { name: 'DATABASE_URL (its password)', value: 'p%40ss-word-9' },
      { name: 'DATABASE_URL (its password)', value: 'p@ss-word-9' },
      { name: 'QDRANT_API_KEY', value: 'canary-qdrant-ab12cd34' },
    ]);
  });

  it('masks the whole URL by name, and the password when it appears alone', () => {
    const text = `connecting to ${environment.DATABASE_URL}; auth failed for p@ss-word-9, key canary-qdrant-ab12cd34`;
    const masked = maskSecretValues(text, secrets);
    expect(masked).toBe(
      'connecting to [DATABASE_URL masked]; auth failed for [DATABASE_URL (its password) masked], key [QDRANT_API_KEY masked]',
    );
    for (const secret of secrets) expect(masked).not.toContain(secret.value);
  });

  it('names the variables whose values leaked, never twice', () => {
    expect(leakedSecrets(`url=${environment.DATABASE_URL}`, secrets)).toEqual([
      'DATABASE_URL',
      'DATABASE_URL (its password)',
    ]);
    expect(leakedSecrets('QDRANT_API_KEY is required but not set', secrets)).toEqual([]);
  });

  it('masks before cutting an evidence line', () => {
    const line = evidenceLine(`${'x'.repeat(20)} canary-qdrant-ab12cd34 ${'y'.repeat(400)}`, secrets, 60);
    expect(line).toContain('[QDRANT_API_KEY masked]');
    expect(line.endsWith('...')).toBe(true);
    expect(line).not.toContain('canary-qdrant');
  });
});
