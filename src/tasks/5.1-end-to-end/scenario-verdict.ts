/**
 * What a dependency outage must look like from outside, as pure judgements:
 * the question over HTTP answered 503 with an error code within the bound
 * (never a hang, never a 200 carrying an error text), an error frame on the
 * WebSocket, readiness naming the dependency, everything back afterwards, and
 * no question the target accepted missing from its database.
 */

export interface HttpOutcome {
  status?: number;
  text: string;
  tookMs: number;
  /** The request was given up by the harness (no answer within its wait). */
  timedOut: boolean;
  error?: string;
}

export interface FrameOutcome {
  /** The first frame that is neither a keep-alive nor a streamed delta. */
  frame?: Record<string, unknown>;
  tookMs: number;
  timedOut: boolean;
  error?: string;
}

export interface ReadinessOutcome {
  /** The first readiness answer that named the dependency as down, and when. */
  named?: { status: number; afterMs: number };
  last?: string;
  polls: number;
}

export interface ScenarioObservations {
  http: HttpOutcome;
  ws?: FrameOutcome;
  readiness?: ReadinessOutcome;
  recovery: { readyAfterMs?: number; http: HttpOutcome; ws?: FrameOutcome; lastReadiness?: string };
  /** Questions the target accepted (2xx or a response frame) that the database does not hold; undefined: not looked. */
  lost?: string[];
}

export interface ScenarioBounds {
  errorWithinMs: number;
  detectWithinMs: number;
  recoverWithinMs: number;
  responseType: string;
  errorType: string;
}

/** The error code of an error body: `{error:{code}}` (the contract) or a top-level `code`. */
export function errorCodeOf(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown }; code?: unknown };
    const code = body.error?.code ?? body.code;
    return typeof code === 'string' && code !== '' ? code : undefined;
  } catch {
    return undefined;
  }
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function judgeHttpDuringOutage(http: HttpOutcome, bounds: ScenarioBounds): string | undefined {
  if (http.timedOut || (http.status === undefined && http.tookMs > bounds.errorWithinMs)) {
    return `the question over HTTP got no answer within ${s(bounds.errorWithinMs)} (it hangs instead of failing fast)`;
  }
  if (http.status === undefined)
    return `the question over HTTP failed without an HTTP answer (${http.error ?? 'no status'})`;
  if (http.status >= 200 && http.status < 300) {
    return `the question over HTTP was answered ${http.status} during the outage (an answer carrying an error, or made up)`;
  }
  if (http.status !== 503) return `the question over HTTP was answered ${http.status}, not 503 (retry later)`;
  if (!errorCodeOf(http.text)) return 'the 503 carries no error code ({"error":{"code"}})';
  if (http.tookMs > bounds.errorWithinMs) {
    return `the 503 came after ${s(http.tookMs)}, beyond the bound of ${s(bounds.errorWithinMs)}`;
  }
  return undefined;
}

export function judgeFrameDuringOutage(ws: FrameOutcome, bounds: ScenarioBounds): string | undefined {
  if (ws.frame) {
    const type = ws.frame.type;
    if (type === bounds.errorType) {
      if (typeof ws.frame.code !== 'string' || ws.frame.code === '') return 'the WebSocket error frame carries no code';
      if (ws.tookMs > bounds.errorWithinMs) {
        return `the WebSocket error frame came after ${s(ws.tookMs)}, beyond the bound of ${s(bounds.errorWithinMs)}`;
      }
      return undefined;
    }
    if (type === bounds.responseType) return 'the WebSocket sent an answer during the outage instead of an error frame';
    return `the WebSocket sent a "${String(type)}" frame instead of an error frame`;
  }
  if (ws.timedOut)
    return `the WebSocket sent no frame within ${s(bounds.errorWithinMs)} (it hangs instead of an error frame)`;
  return `the WebSocket gave no error frame (${ws.error ?? 'closed'})`;
}

export function judgeScenario(observed: ScenarioObservations, bounds: ScenarioBounds, dependency: string): string[] {
  const problems: string[] = [];
  const http = judgeHttpDuringOutage(observed.http, bounds);
  if (http) problems.push(http);
  if (observed.ws) {
    const ws = judgeFrameDuringOutage(observed.ws, bounds);
    if (ws) problems.push(ws);
  }
  if (observed.readiness && !observed.readiness.named) {
    problems.push(
      `readiness did not answer 503 naming ${dependency} within ${s(bounds.detectWithinMs)} ` +
        `(last: ${observed.readiness.last ?? 'no answer'})`,
    );
  }
  const { recovery } = observed;
  if (observed.readiness && recovery.readyAfterMs === undefined) {
    problems.push(
      `readiness did not answer 200 within ${s(bounds.recoverWithinMs)} after ${dependency} was back ` +
        `(last: ${recovery.lastReadiness ?? 'no answer'})`,
    );
  }
  if (recovery.http.status === undefined || recovery.http.status < 200 || recovery.http.status >= 300) {
    problems.push(
      `after ${dependency} was back, a question over HTTP got ${recovery.http.status ?? recovery.http.error ?? 'no answer'}`,
    );
  }
  if (recovery.ws && recovery.ws.frame?.type !== bounds.responseType) {
    problems.push(
      `after ${dependency} was back, the WebSocket gave ${recovery.ws.frame ? `a "${String(recovery.ws.frame.type)}" frame` : (recovery.ws.error ?? 'no frame')}, not an answer`,
    );
  }
  if (observed.lost && observed.lost.length > 0) {
    problems.push(`${observed.lost.length} accepted question(s) are not in the database: ${observed.lost.join(', ')}`);
  }
  return problems;
}

/** Does a readiness body name `name` as not ok? `{checks:{<name>:{ok:false}}}`, or `<name>` beside a failure word. */
export function readinessNamesDown(text: string, name: string): boolean {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const checks = (body.checks ?? body.dependencies ?? body) as Record<string, unknown>;
    const entry = checks[name];
    if (entry && typeof entry === 'object') {
      const { ok, status, healthy } = entry as Record<string, unknown>;
      return (
        ok === false || healthy === false || (typeof status === 'string' && !/^(ok|up|healthy|ready)$/i.test(status))
      );
    }
    if (typeof entry === 'string') return !/^(ok|up|healthy|ready)$/i.test(entry);
    if (entry === false) return true;
  } catch {
    // Not JSON: fall back to the text.
  }
  return new RegExp(`${name}[^\\n]{0,40}(down|fail|unavailable|unreachable|error|timeout)`, 'i').test(text);
}
