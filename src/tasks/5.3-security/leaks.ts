/**
 * What an answer to a bad input must not show, as pure judgements: a stack
 * trace, SQL or a database message, a file path, an internal host name, a
 * secret. What the request itself sent is taken out first: an error that
 * quotes the offending field back is not a leak.
 */
import { evidenceLine, leakedSecrets, type Secret } from '../../support/secrets.ts';

export interface LeakContext {
  /** Internal names the body must not carry: dependency aliases, container host names, `host:port`s. */
  internalHosts: readonly string[];
  secrets: readonly Secret[];
}

const patterns: { what: string; pattern: RegExp }[] = [
  { what: 'a stack frame', pattern: /\bat\s+(?:[^\s()]+\s+)?\(?[^()\s]*[/.][^()\s]*:\d+:\d+\)?/ },
  { what: 'a stack trace', pattern: /\b(?:Error|TypeError|SyntaxError|RangeError|ReferenceError):[^\n]*\n\s+at\s/ },
  { what: 'a Python traceback', pattern: /Traceback \(most recent call last\)/ },
  { what: 'a Python stack frame', pattern: /File \\?"[^"\\]+\\?", line \d+/ },
  {
    what: 'a database message',
    pattern: /\b(?:relation \\?"|syntax error at or near|SQLSTATE|psycopg2?\.|pg_catalog|duplicate key value)/i,
  },
  { what: 'SQL (SELECT ... FROM)', pattern: /\bSELECT\b[^"]{1,200}?\bFROM\b/ },
  { what: 'SQL (INSERT INTO)', pattern: /\bINSERT\s+INTO\b/ },
  { what: 'SQL (UPDATE ... SET)', pattern: /\bUPDATE\s+\S+\s+SET\b/ },
  {
    what: 'a file path',
    pattern: /(?:\/(?:app|usr|home|srv|opt|var|etc|root|tmp)\/[\w.-]+\/[\w./-]*)|[A-Z]:\\\\?[\w]/,
  },
  { what: 'a source file reference', pattern: /\.(?:ts|js|mjs|cjs|py):\d+/ },
  { what: 'a dependency module path', pattern: /node_modules\/|site-packages\// },
  {
    what: 'an internal IP address',
    pattern: /\b(?:10|127|172\.(?:1[6-9]|2\d|3[01])|192\.168)\.\d{1,3}\.\d{1,3}(?:\.\d{1,3})?(?::\d{2,5})?\b/,
  },
];

function around(text: string, index: number, length: number, context = 30): string {
  const start = Math.max(0, index - context);
  const end = Math.min(text.length, index + length + context);
  return `${start > 0 ? '...' : ''}${text.slice(start, end)}${end < text.length ? '...' : ''}`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Internals an answer shows, each in words with the matched text (masked).
 * `sent`: what the request carried (strings of 4+ characters are removed from the body before judging).
 */
export function leaksIn(body: string, context: LeakContext, sent: readonly string[] = []): string[] {
  const found = leakedSecrets(body, context.secrets).map((name) => `the value of ${name}`);
  let text = body;
  for (const echoed of [...sent].filter((piece) => piece.length >= 4).sort((a, b) => b.length - a.length)) {
    text = text.split(echoed).join('<sent>');
  }
  for (const { what, pattern } of patterns) {
    const match = pattern.exec(text);
    if (match) found.push(`${what}: ${evidenceLine(around(text, match.index, match[0].length), context.secrets, 160)}`);
  }
  for (const host of context.internalHosts) {
    if (host.length >= 3 && new RegExp(`(?<![\\w.-])${escapeRegExp(host)}(?![\\w-])`).test(text)) {
      found.push(`an internal host name: ${host}`);
    }
  }
  return found;
}

/** Text that says "this failed": an error answered 200 carries one of these. */
const errorWords =
  /\b(?:error|exception|failed|failure|invalid|traceback|unauthori[sz]ed|forbidden|not found|bad request|denied|refused|unavailable)\b/i;

/** Whether a body reads as an error (an `error` key, or error words in a short body). */
export function readsAsError(body: unknown, text: string): boolean {
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const fields = body as Record<string, unknown>;
    if ('error' in fields || 'errors' in fields || 'detail' in fields || 'exception' in fields) return true;
    if (fields.status === 'error' || fields.success === false || fields.ok === false) return true;
    return Object.values(fields).some((value) => typeof value === 'string' && /^(?:error|exception)\b/i.test(value));
  }
  return text.length < 500 && errorWords.test(text);
}

/** A 4xx answer is clear when it says something: a JSON error, or a short text naming what is wrong. */
export function clearError(status: number, text: string): boolean {
  if (text.trim().length > 0) return true;
  // The HTTP layer (Node's parser, a proxy, a WebSocket-only route) refuses these with an empty body: the status says it.
  return [400, 404, 405, 413, 414, 426, 431].includes(status);
}
