/**
 * Reading Railway's build and deploy logs: which lines are errors, and the
 * tail a person needs after a failed deploy.
 */
import type { LogLine } from './client.ts';

const errorText =
  /\b(error|fatal|panic|exception|unhandled|traceback)\b|"level":\s*(50|60)|"level":\s*"(error|fatal)"/i;

/** Railway's severity when it gives one (structured logs), else what the line says of itself. */
export function isErrorLine(line: LogLine): boolean {
  const severity = line.severity?.toLowerCase();
  if (severity === 'error' || severity === 'err' || severity === 'fatal') return true;
  return errorText.test(line.message);
}

export function errorLines(lines: readonly LogLine[]): LogLine[] {
  return lines.filter(isErrorLine);
}

export function tail(lines: readonly LogLine[], count: number): string[] {
  return lines.slice(-count).map((line) => line.message);
}
