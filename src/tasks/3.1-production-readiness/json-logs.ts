/**
 * Seed task 3.1's logging rule, as a pure judgement: every line the target
 * writes is a JSON object with a level, a time and a message, and a request's
 * lines carry its id, so one request can be followed through the log.
 */
import { failed, passed, type Verdict } from '../../checks/check.ts';
import { judgeLogLines, linesForRequest, logFieldAliases, type OutputLine } from '../../support/log-lines.ts';
import { evidenceLine, type Secret } from '../../support/secrets.ts';

export interface TracedRequest {
  /** What was asked, for the message: `POST /api/v1/query`. */
  request: string;
  sentId: string;
  /** The id the target answered with (x-request-id header or error body), when it did. */
  returnedId: string | undefined;
}

const shownOffending = 5;

export function jsonLogsVerdict(
  lines: readonly OutputLine[],
  traced: TracedRequest,
  secrets: readonly Secret[],
): Verdict {
  const judgement = judgeLogLines(lines);
  const ids = [...new Set([traced.sentId, traced.returnedId].filter((id): id is string => Boolean(id)))];
  const requestLines = linesForRequest(judgement.structured, ids);
  const mentioning = lines.filter((line) => ids.some((id) => line.text.includes(id)));
  const idNames = logFieldAliases.requestId.join('|');
  const problems: string[] = [];
  if (judgement.total === 0) problems.push('the target wrote no log lines at all');
  if (judgement.offending.length > 0) {
    problems.push(
      `${judgement.offending.length} of ${judgement.total} lines are not JSON log lines ` +
        `(first: line ${judgement.offending[0]!.number}, ${judgement.offending[0]!.reason})`,
    );
  }
  if (requestLines.length === 0) {
    problems.push(
      mentioning.length > 0
        ? `${mentioning.length} line(s) mention request ${ids.join(' / ')} but none in a request-id field (${idNames})`
        : `no log line carries request ${ids.join(' / ')} in a request-id field (${idNames})`,
    );
  }
  if (problems.length === 0) {
    const field = logFieldAliases.requestId.find((name) => requestLines[0]!.fields[name] !== undefined);
    return passed(
      `${judgement.total} lines, all JSON objects with a level, a time and a message; ` +
        `${requestLines.length} line(s) carry the request id of ${traced.request} in "${field}"`,
    );
  }
  const evidence = [
    judgement.offending.length > 0
      ? [
          `first ${Math.min(shownOffending, judgement.offending.length)} of ${judgement.offending.length} offending lines:`,
          ...judgement.offending
            .slice(0, shownOffending)
            .map(
              (line) => `  line ${line.number} (${line.stream}, ${line.reason}): ${evidenceLine(line.text, secrets)}`,
            ),
        ].join('\n')
      : '',
    `${traced.request} sent x-request-id ${traced.sentId}; the target returned ` +
      (traced.returnedId ? `x-request-id ${traced.returnedId}` : 'no request id') +
      (requestLines.length > 0 ? `; ${requestLines.length} log line(s) carry it in a request-id field` : ''),
    ...(requestLines.length > 0 ? [] : mentioning.slice(0, 3)).map(
      (line) => `  line mentioning it: ${evidenceLine(line.text, secrets)}`,
    ),
  ].filter(Boolean);
  return failed(problems.join('; '), evidence.join('\n'));
}
