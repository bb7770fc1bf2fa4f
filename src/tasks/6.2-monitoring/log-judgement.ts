/**
 * Seed task 6.2's logging rules over the WHOLE output of the target so far
 * (3.1/json-logs follows one request; this reads every line a log pipeline
 * would have received): every line is a JSON object with a level, a time and a
 * message, every line about a request carries its id, the levels say what
 * happened (a 4xx is the client's mistake, not an error line; a 5xx is an
 * error line), and no secret value appears anywhere.
 */
import { failed, passed, type Verdict } from '../../checks/check.ts';
import { judgeLogLines, type LogJudgement, type OutputLine, type StructuredLogLine } from '../../support/log-lines.ts';
import { evidenceLine, leakedSecrets, type Secret } from '../../support/secrets.ts';

export type LevelName = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

const levelRanks: Record<LevelName, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

const levelWords: Record<string, LevelName> = {
  trace: 'trace',
  debug: 'debug',
  info: 'info',
  notice: 'info',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  err: 'error',
  critical: 'fatal',
  crit: 'fatal',
  fatal: 'fatal',
  alert: 'fatal',
  emergency: 'fatal',
  emerg: 'fatal',
};

/** A line's level as a name: pino's numbers (10..60) or the usual words (Python's, syslog's), any case. */
export function levelOf(level: string | number): LevelName | undefined {
  if (typeof level === 'number') {
    const ranked = (Object.entries(levelRanks) as [LevelName, number][]).filter(([, rank]) => rank <= level);
    return ranked.at(-1)?.[0];
  }
  return levelWords[level.trim().toLowerCase()];
}

export function isErrorLevel(level: LevelName): boolean {
  return levelRanks[level] >= levelRanks.error;
}

/** Where loggers put a response's status: pino-http/Fastify `res.statusCode`, flat `status`, ECS, structlog. */
export function statusOf(fields: Record<string, unknown>): number | undefined {
  const res = fields.res as Record<string, unknown> | undefined;
  const http = fields.http as { response?: { status_code?: unknown } } | undefined;
  const candidates = [
    res?.statusCode,
    res?.status,
    fields.statusCode,
    fields.status_code,
    fields.status,
    http?.response?.status_code,
  ];
  for (const candidate of candidates) {
    const status = typeof candidate === 'string' ? Number(candidate) : candidate;
    if (typeof status === 'number' && Number.isInteger(status) && status >= 100 && status <= 599) return status;
  }
  return undefined;
}

/** Where loggers put the request's path: Fastify's `req.url` (incoming line), a flat `path` or `url`. */
export function pathOf(fields: Record<string, unknown>): string | undefined {
  const req = fields.req as Record<string, unknown> | undefined;
  for (const candidate of [req?.url, fields.path, fields.url]) {
    if (typeof candidate === 'string' && candidate.startsWith('/')) return candidate.split('?')[0];
  }
  return undefined;
}

/** One request as the log tells it: its status, path and the most severe level among its lines. */
export interface LoggedRequest {
  id: string;
  status?: number;
  path?: string;
  worst?: LevelName;
  lines: number;
}

export function requestsInLog(structured: readonly StructuredLogLine[]): Map<string, LoggedRequest> {
  const requests = new Map<string, LoggedRequest>();
  for (const line of structured) {
    if (line.requestId === undefined) continue;
    const request = requests.get(line.requestId) ?? { id: line.requestId, lines: 0 };
    request.lines++;
    request.status ??= statusOf(line.fields);
    request.path ??= pathOf(line.fields);
    const level = levelOf(line.level);
    if (level && (!request.worst || levelRanks[level] > levelRanks[request.worst])) request.worst = level;
    requests.set(line.requestId, request);
  }
  return requests;
}

/** A request the check itself sent, with the status it was answered. */
export interface KnownRequest {
  id: string;
  /** What was sent, for messages: `GET /api/v1/conversations/<id>`. */
  request: string;
  status: number;
}

const shown = 5;

function numbered(lines: readonly { number: number; text: string }[], secrets: readonly Secret[]): string[] {
  return lines.slice(0, shown).map((line) => `  line ${line.number}: ${evidenceLine(line.text, secrets)}`);
}

/** Non-empty lines with their 1-based numbers (as judgeLogLines counts them) and parsed form, if any. */
function numberedLines(lines: readonly OutputLine[]): { number: number; text: string }[] {
  return lines.filter((line) => line.text.trim() !== '').map((line, index) => ({ number: index + 1, text: line.text }));
}

/**
 * 6.2/logs-structured-run-wide: every line of the run is structured, and every
 * line that reports a response (it has a status) carries a request id, so no
 * request's outcome is lost to a search by id.
 */
export function structuredLogsVerdict(
  lines: readonly OutputLine[],
  known: readonly KnownRequest[],
  secrets: readonly Secret[],
): Verdict {
  const judgement = judgeLogLines(lines);
  const problems: string[] = [];
  const evidence: string[] = [];
  if (judgement.total === 0) return failed('the target wrote no log lines at all');
  if (judgement.offending.length > 0) {
    problems.push(
      `${judgement.offending.length} of ${judgement.total} lines are not JSON log lines with a level, a time and a message`,
    );
    evidence.push(
      'lines that are not structured:',
      ...judgement.offending
        .slice(0, shown)
        .map((line) => `  line ${line.number} (${line.stream}, ${line.reason}): ${evidenceLine(line.text, secrets)}`),
    );
  }
  const unknownLevels = judgement.structured.filter((line) => levelOf(line.level) === undefined);
  if (unknownLevels.length > 0) {
    problems.push(
      `${unknownLevels.length} line(s) have a level no log pipeline recognises (first: ${JSON.stringify(unknownLevels[0]!.level)})`,
    );
  }
  const responsesWithoutId = judgement.structured.filter(
    (line) => statusOf(line.fields) !== undefined && line.requestId === undefined,
  );
  if (responsesWithoutId.length > 0) {
    problems.push(`${responsesWithoutId.length} line(s) report a response status without a request id`);
    evidence.push(
      'response lines without a request id:',
      ...responsesWithoutId.slice(0, shown).map((line) => `  ${evidenceLine(JSON.stringify(line.fields), secrets)}`),
    );
  }
  const requests = requestsInLog(judgement.structured);
  const missing = known.filter((request) => !requests.has(request.id));
  if (missing.length > 0) {
    problems.push(
      `no line carries the request id of ${missing.map((request) => `${request.request} (${request.id})`).join(', ')}`,
    );
  }
  if (problems.length === 0) {
    return passed(
      `${judgement.total} lines over the whole run, all JSON with a level, a time and a message; ` +
        `${requests.size} request id(s) in them, including the ${known.length} this check sent`,
    );
  }
  return failed(problems.join('; '), evidence.join('\n') || undefined);
}

/** Statuses that are a signal rather than a failure: readiness answering 503 while a dependency is down. */
function expectedUnavailable(request: LoggedRequest, readinessPath: string | null): boolean {
  return request.status === 503 && readinessPath !== null && request.path === readinessPath;
}

/**
 * 6.2/log-levels-match-status: over every request in the log (and the ones
 * the check sent, whose statuses it knows), a 4xx has no line at error level or
 * above and a 5xx has at least one. Readiness answering 503 is what it is for,
 * not an error of the app.
 */
export function logLevelsVerdict(
  lines: readonly OutputLine[],
  known: readonly KnownRequest[],
  readinessPath: string | null,
  secrets: readonly Secret[],
): Verdict {
  const judgement: LogJudgement = judgeLogLines(lines);
  const requests = requestsInLog(judgement.structured);
  for (const request of known) {
    const logged = requests.get(request.id);
    if (logged) logged.status ??= request.status;
  }
  const clientErrorsAsErrors: LoggedRequest[] = [];
  const serverErrorsWithoutError: LoggedRequest[] = [];
  let clientErrors = 0;
  let serverErrors = 0;
  for (const request of requests.values()) {
    if (request.status === undefined) continue;
    if (request.status >= 400 && request.status < 500) {
      clientErrors++;
      if (request.worst && isErrorLevel(request.worst)) clientErrorsAsErrors.push(request);
    } else if (request.status >= 500 && !expectedUnavailable(request, readinessPath)) {
      serverErrors++;
      if (!request.worst || !isErrorLevel(request.worst)) serverErrorsWithoutError.push(request);
    }
  }
  const unlogged = known.filter((request) => !requests.has(request.id));
  const describe = (request: LoggedRequest) =>
    `${request.path ?? 'a request'} ${request.status} (request ${request.id}, most severe line: ${request.worst ?? 'none'})`;
  const problems = [
    clientErrorsAsErrors.length > 0
      ? `${clientErrorsAsErrors.length} client error(s) (4xx) logged at error level: ${describe(clientErrorsAsErrors[0]!)}`
      : '',
    serverErrorsWithoutError.length > 0
      ? `${serverErrorsWithoutError.length} server error(s) (5xx) with no line at error level: ${describe(serverErrorsWithoutError[0]!)}`
      : '',
    unlogged.length > 0
      ? `no line carries the request id of ${unlogged.map((request) => `${request.request} (answered ${request.status})`).join(', ')}`
      : '',
  ].filter(Boolean);
  if (problems.length === 0) {
    return passed(
      `${requests.size} request(s) in the run's log: ${clientErrors} client error(s) none at error level, ` +
        `${serverErrors} server error(s) each with an error line`,
    );
  }
  const offenders = [...clientErrorsAsErrors, ...serverErrorsWithoutError].slice(0, shown);
  const evidence = offenders.flatMap((request) => [
    `request ${request.id}: status ${request.status}, most severe level ${request.worst ?? 'none'}`,
    ...numbered(
      numberedLines(lines).filter((line) => line.text.includes(request.id)),
      secrets,
    ),
  ]);
  return failed(problems.join('; '), evidence.join('\n') || undefined);
}

/** 6.2/no-secrets-in-logs: no line of the whole run shows a secret value (the run's canaries). */
export function noSecretsVerdict(lines: readonly OutputLine[], secrets: readonly Secret[]): Verdict {
  if (secrets.length === 0) return passed('the run knows no secret values to look for');
  const leaking = numberedLines(lines)
    .map((line) => ({ ...line, names: leakedSecrets(line.text, secrets) }))
    .filter((line) => line.names.length > 0);
  const names = secrets.map((secret) => secret.name);
  if (leaking.length === 0) {
    return passed(
      `${numberedLines(lines).length} lines over the whole run show none of ${[...new Set(names)].join(', ')}`,
    );
  }
  const leaked = [...new Set(leaking.flatMap((line) => line.names))];
  return failed(
    `${leaking.length} log line(s) show the value of ${leaked.join(', ')}`,
    [`lines (masked):`, ...numbered(leaking, secrets)].join('\n'),
  );
}
