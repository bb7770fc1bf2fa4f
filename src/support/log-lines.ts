/**
 * Reading a container's output the way a log pipeline (Railway's log explorer,
 * Datadog, Loki) would: one JSON object a line with a level, a time and a
 * message, and a request id that joins a request's lines. Also the shared
 * judgement of a crash's output for stack traces, and secret masking so no
 * evidence ever prints a secret value.
 */

/** Field names accepted for each part of a structured line (pino, structlog, python-json-logger, GCP, ECS). */
export const logFieldAliases = {
  level: ['level', 'severity', 'levelname'],
  time: ['time', 'timestamp', 'ts', '@timestamp'],
  message: ['msg', 'message'],
  requestId: ['reqId', 'request_id', 'requestId', 'req_id'],
} as const;

export interface StructuredLogLine {
  level: string | number;
  time: string | number;
  message: string;
  /** The line's request id, when it carries one in a request-id field. */
  requestId?: string;
  fields: Record<string, unknown>;
}

export type LogLineJudgement = { ok: true; line: StructuredLogLine } | { ok: false; reason: string };

function firstField(fields: Record<string, unknown>, names: readonly string[]): unknown {
  for (const name of names) if (fields[name] !== undefined && fields[name] !== null) return fields[name];
  return undefined;
}

const aliasList = (names: readonly string[]): string => names.join('|');

/** Judges one output line: a JSON object with a level, a time and a message, or why not. */
export function parseLogLine(line: string): LogLineJudgement {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { ok: false, reason: 'JSON, but not an object' };
  }
  const fields = parsed as Record<string, unknown>;
  const level = firstField(fields, logFieldAliases.level);
  const time = firstField(fields, logFieldAliases.time);
  const message = firstField(fields, logFieldAliases.message);
  const missing = [
    typeof level === 'string' || typeof level === 'number' ? '' : `a level (${aliasList(logFieldAliases.level)})`,
    typeof time === 'string' || typeof time === 'number' ? '' : `a time (${aliasList(logFieldAliases.time)})`,
    typeof message === 'string' ? '' : `a message (${aliasList(logFieldAliases.message)})`,
  ].filter(Boolean);
  if (missing.length > 0) return { ok: false, reason: `JSON object without ${missing.join(', ')}` };
  const requestId = firstField(fields, logFieldAliases.requestId);
  return {
    ok: true,
    line: {
      level: level as string | number,
      time: time as string | number,
      message: message as string,
      ...(typeof requestId === 'string' || typeof requestId === 'number' ? { requestId: String(requestId) } : {}),
      fields,
    },
  };
}

export interface OutputLine {
  stream: 'stdout' | 'stderr';
  text: string;
}

export interface OffendingLine extends OutputLine {
  /** 1-based position among the output's non-empty lines. */
  number: number;
  reason: string;
}

export interface LogJudgement {
  total: number;
  structured: StructuredLogLine[];
  offending: OffendingLine[];
}

/** Judges every non-empty line; blank lines are not log lines. */
export function judgeLogLines(lines: readonly OutputLine[]): LogJudgement {
  const structured: StructuredLogLine[] = [];
  const offending: OffendingLine[] = [];
  let number = 0;
  for (const line of lines) {
    if (line.text.trim() === '') continue;
    number++;
    const judgement = parseLogLine(line.text);
    if (judgement.ok) structured.push(judgement.line);
    else offending.push({ ...line, number, reason: judgement.reason });
  }
  return { total: number, structured, offending };
}

/** Structured lines whose request-id field is one of `ids`. */
export function linesForRequest(structured: readonly StructuredLogLine[], ids: readonly string[]): StructuredLogLine[] {
  return structured.filter((line) => line.requestId !== undefined && ids.includes(line.requestId));
}

/** Splits text output into lines (either line ending), dropping blank ones. */
export function splitOutput(text: string, stream: OutputLine['stream'] = 'stdout'): OutputLine[] {
  return text
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .map((line) => ({ stream, text: line }));
}

/**
 * Splits the Docker API's log payload into lines, each with its stream. A
 * container without a TTY multiplexes stdout and stderr in frames (one byte
 * stream type, three zero bytes, a big-endian uint32 length); a TTY container's
 * payload is plain text, taken as stdout.
 */
export function demuxDockerLog(payload: Buffer): OutputLine[] {
  const multiplexed =
    payload.length >= 8 && payload[0]! <= 2 && payload[1] === 0 && payload[2] === 0 && payload[3] === 0;
  if (!multiplexed) return splitOutput(payload.toString('utf8'));
  const lines: OutputLine[] = [];
  const pending: Record<OutputLine['stream'], string> = { stdout: '', stderr: '' };
  let offset = 0;
  while (offset + 8 <= payload.length) {
    const stream = payload[offset] === 2 ? 'stderr' : 'stdout';
    const size = payload.readUInt32BE(offset + 4);
    const chunk = payload.subarray(offset + 8, offset + 8 + size).toString('utf8');
    offset += 8 + size;
    const parts = (pending[stream] + chunk).split(/\r?\n/);
    pending[stream] = parts.pop() ?? '';
    for (const text of parts) if (text.trim() !== '') lines.push({ stream, text });
  }
  for (const stream of ['stdout', 'stderr'] as const) {
    if (pending[stream].trim() !== '') lines.push({ stream, text: pending[stream] });
  }
  return lines;
}

export interface StackTrace {
  kind: 'node' | 'python';
  /** The first line that shows it (mask it before it goes into evidence). */
  line: string;
}

const stackPatterns: { kind: StackTrace['kind']; pattern: RegExp }[] = [
  // A Node frame on its own line: `    at fn (/app/src/x.ts:12:5)`, `    at node:internal/x:1:2`.
  { kind: 'node', pattern: /^\s+at\s+\S.*:\d+:\d+\)?\s*$/ },
  // The same frames inside a JSON string (an `err.stack` field): `\n    at fn (/app/x.ts:1:2)`.
  { kind: 'node', pattern: /\\n\s+at\s+[^"\\]*:\d+:\d+/ },
  { kind: 'python', pattern: /Traceback \(most recent call last\)/ },
  // A Python frame, plain or JSON-escaped: `  File "/app/main.py", line 3, in <module>`.
  { kind: 'python', pattern: /File \\?"[^"\\]+\\?", line \d+/ },
];

/**
 * Whether a crashed (or refusing) container's output carries a stack trace:
 * Node `    at` frames or a Python traceback, plain or inside a JSON field. A
 * configuration error should name the variable in one line, not dump frames.
 */
export function findStackTrace(output: string): StackTrace | undefined {
  for (const line of output.split(/\r?\n/)) {
    for (const { kind, pattern } of stackPatterns) if (pattern.test(line)) return { kind, line };
  }
  return undefined;
}
