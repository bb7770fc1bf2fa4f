/**
 * Seed task 3.1's error-handling rule, as pure judgements: a 5xx body tells
 * the client a request id and nothing of the internals (table, SQL, stack,
 * file, host, secret); the detail belongs in the log line with that id.
 */
import { failed, passed, type Verdict } from '../../checks/check.ts';
import { type StructuredLogLine } from '../../support/log-lines.ts';
import { evidenceLine, leakedSecrets, maskSecretValues, type Secret } from '../../support/secrets.ts';

export interface InternalsContext {
  /** Table names the fault touched: a body must not name them. */
  tables: readonly string[];
  /** `host:port` of the dependencies as the target reaches them (postgres:5432): a body must not name them. */
  hostPorts: readonly string[];
  secrets: readonly Secret[];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const internals: { what: string; pattern: RegExp }[] = [
  { what: 'a database message ("relation")', pattern: /\brelation\b/i },
  { what: 'SQL (SELECT ... FROM)', pattern: /\bSELECT\b[\s\S]{1,200}?\bFROM\b/ },
  { what: 'SQL (INSERT INTO)', pattern: /\bINSERT\s+INTO\b/i },
  { what: 'SQL (UPDATE ... SET)', pattern: /\bUPDATE\s+\S+\s+SET\b/i },
  { what: 'SQL (DELETE FROM)', pattern: /\bDELETE\s+FROM\b/i },
  { what: 'a stack frame', pattern: /\bat\s+(?:[^\s()]+\s+)?\(?[^()\s]*[/.][^()\s]*:\d+:\d+\)?/ },
  { what: 'a Python traceback', pattern: /Traceback \(most recent call last\)/ },
  { what: 'a Python stack frame', pattern: /File \\?"[^"\\]+\\?", line \d+/ },
  { what: 'a file path (/app/)', pattern: /\/app\// },
  { what: 'a source file reference', pattern: /\.(?:ts|js|mjs|cjs):\d+|\.py\\?"/ },
  { what: 'a dependency module path', pattern: /node_modules\/|site-packages\// },
  { what: 'an IP address with a port', pattern: /\b\d{1,3}(?:\.\d{1,3}){3}:\d{2,5}\b/ },
];

/** The match with some of the text either side, so the finding reads in context. */
function around(text: string, index: number, length: number, context = 30): string {
  const start = Math.max(0, index - context);
  const end = Math.min(text.length, index + length + context);
  return `${start > 0 ? '...' : ''}${text.slice(start, end)}${end < text.length ? '...' : ''}`;
}

/** What of the internals a response body shows, each described in words with the matched text (masked). */
export function internalsInBody(body: string, context: InternalsContext): string[] {
  const found: string[] = [];
  for (const table of context.tables) {
    if (new RegExp(`\\b${escapeRegExp(table)}\\b`, 'i').test(body)) found.push(`the table name "${table}"`);
  }
  for (const { what, pattern } of internals) {
    const match = pattern.exec(body);
    if (match) found.push(`${what}: ${evidenceLine(around(body, match.index, match[0].length), context.secrets, 160)}`);
  }
  for (const hostPort of context.hostPorts) {
    if (body.includes(hostPort)) found.push(`a dependency's address: ${hostPort}`);
  }
  for (const name of leakedSecrets(body, context.secrets)) found.push(`the value of ${name}`);
  return found;
}

/** A log line keeps the detail when it names a faulted table or reads as a database error. */
const databaseDetail =
  /\brelation\b|does not exist|\b42P01\b|undefined.?table|no such table|sqlstate|DatabaseError|ProgrammingError|psycopg|postgres/i;

export function logLineKeepsDetail(line: string, tables: readonly string[]): boolean {
  return databaseDetail.test(line) || tables.some((table) => new RegExp(`\\b${escapeRegExp(table)}\\b`).test(line));
}

export interface InternalErrorObservation {
  /** The request as sent: method and path, for the message. */
  request: string;
  status: number;
  body: string;
  /** The id the harness sent and the one the target returned (x-request-id), if any. */
  sentId: string;
  returnedId: string | undefined;
  /** Structured log lines carrying either id. */
  logLines: readonly StructuredLogLine[];
  /** Raw log text of those lines, for the detail check and the evidence. */
  rawLogLines: readonly string[];
}

/** The verdict on one forced internal error: 5xx, generic body with the request id, detail in the log. */
export function internalErrorVerdict(observed: InternalErrorObservation, context: InternalsContext): Verdict {
  const body = observed.body;
  const ids = [observed.sentId, observed.returnedId].filter((id): id is string => Boolean(id));
  const found = internalsInBody(body, context);
  const carriesId = ids.some((id) => body.includes(id));
  const detailLines = observed.rawLogLines.filter((line) => logLineKeepsDetail(line, context.tables));
  const problems = [
    observed.status >= 500 && observed.status <= 599
      ? ''
      : `answered ${observed.status} instead of a 5xx while a table it needs was missing`,
    found.length > 0 ? `the body shows internals: ${found.join('; ')}` : '',
    carriesId
      ? ''
      : `the body carries no request id (sent ${observed.sentId}, got back ${observed.returnedId ?? 'none'})`,
    detailLines.length > 0
      ? ''
      : observed.rawLogLines.length === 0
        ? `no log line carries the request id ${ids.join(' or ')}, so the detail is lost`
        : `the log lines for request ${ids.join(' or ')} do not say what failed (no table name, no database error)`,
  ].filter(Boolean);
  const hidden =
    context.tables.length === 1 ? `table ${context.tables[0]} was` : `tables ${context.tables.join(', ')} were`;
  const summary = `${observed.request} answered ${observed.status} while ${hidden} renamed away`;
  if (problems.length === 0) {
    return passed(
      `${summary}: a generic body with the request id (${evidenceLine(body, context.secrets, 160)}); ` +
        `${detailLines.length} log line(s) for the request keep the detail`,
    );
  }
  const evidence = [
    `status: ${observed.status}`,
    `body: ${evidenceLine(body, context.secrets, 600)}`,
    found.length > 0 ? `internals found in the body:\n${found.map((item) => `  - ${item}`).join('\n')}` : '',
    `log lines for the request (${observed.rawLogLines.length}):`,
    ...observed.rawLogLines.slice(0, 5).map((line) => `  ${evidenceLine(line, context.secrets, 500)}`),
  ].filter(Boolean);
  return failed(`${summary}: ${problems.join('; ')}`, maskSecretValues(evidence.join('\n'), context.secrets));
}
