/**
 * Performance thresholds written the way k6 writes them: `<aggregation> <operator> <number>`, such as
 * `p(95)<300`, `p(99.9)<=500`, `avg<200`, `rate<0.01` or `count>10`. They are data in the config, parsed
 * when it loads (a mistake is a config error, not a surprise after a ten-minute load run), evaluated
 * against the measured value after the run, and printed with that value beside the text as written.
 *
 * Beyond k6: the number may carry a unit for readability, `ms` or `s` for times (normalised to
 * milliseconds) and `%` for rates (`rate<1%` is `rate<0.01`). k6's plain numbers stay valid and mean
 * what they mean in k6: milliseconds for times, a fraction from 0 to 1 for rate. The shorthand `p95`
 * (as issues and dashboards write it) means `p(95)`; `errors` is the failed-request rate (non-2xx and
 * connection errors, k6's `http_req_failed`) and `rps` the requests per second (k6's `http_reqs` rate),
 * so `"p95<300ms"`, `"errors<0.5%"` and `"rps>200"` read as written.
 *
 * Pure: no imports, so any layer (config, suites, reports) can use it.
 */

export type Aggregation =
  { kind: 'avg' | 'min' | 'max' | 'med' | 'count' | 'rate' | 'errors' | 'rps' } | { kind: 'p'; percentile: number };

export type Operator = '<' | '<=' | '>' | '>=' | '==' | '!=';

/** The unit a limit was written in; the measured value is printed in the same one. */
export type Unit = 'ms' | 's' | '%';

export interface Threshold {
  /** The expression exactly as written in the config. */
  source: string;
  aggregation: Aggregation;
  operator: Operator;
  /** The limit in base units: milliseconds for times, a fraction from 0 to 1 for rate, a plain number for count. */
  value: number;
  /** Present when the limit was written with a unit. */
  unit?: Unit;
}

export interface ThresholdIssue {
  /** Where the expression sits in a scenario map, such as `query[1]`; absent for a lone expression. */
  path?: string;
  source: unknown;
  /** What is wrong and what is accepted, without the expression itself. */
  reason: string;
}

export class ThresholdError extends Error {
  override name = 'ThresholdError';
  readonly issues: readonly ThresholdIssue[];

  constructor(issues: readonly ThresholdIssue[]) {
    super(
      issues.length === 1 && issues[0]!.path === undefined
        ? describe(issues[0]!)
        : `${issues.length} bad threshold expression${issues.length === 1 ? '' : 's'}:\n` +
            issues.map((issue) => `  - ${describe(issue)}`).join('\n'),
    );
    this.issues = issues;
  }
}

function describe(issue: ThresholdIssue): string {
  const where = issue.path === undefined ? '' : `${issue.path}: `;
  return `${where}${JSON.stringify(issue.source)}: ${issue.reason}`;
}

const aggregationList = 'avg, min, max, med, count, rate, errors or rps';
const operatorList = '<, <=, >, >=, == or !=';
const example = 'such as "p(95)<300ms" or "rate<1%"';

/**
 * Operator tokens, longest first at each position. `===` is k6's strict equality (read as `==`);
 * `=`, `=<`, `=>` and a lone `!` are caught only to say which operator was meant.
 */
const operatorToken = /===|==|!=|<=|>=|=<|=>|<|>|=|!/;
const misspelledOperators: Record<string, string> = { '=': '==', '=<': '<=', '=>': '>=', '!': '!=' };

const simpleAggregations = new Set(['avg', 'min', 'max', 'med', 'count', 'rate', 'errors', 'rps']);
/** Rates: a fraction from 0 to 1 or a percentage. `errors` is shipshape's name for k6's http_req_failed rate. */
const rateAggregations = new Set(['rate', 'errors']);
const timeAggregations = new Set(['avg', 'min', 'max', 'med', 'p']);

/** Parses one expression; throws a ThresholdError that quotes it and says what is accepted. */
export function parseThreshold(source: string): Threshold {
  const fail = (reason: string): never => {
    throw new ThresholdError([{ source, reason }]);
  };
  if (typeof source !== 'string') {
    return fail(`not a string; write an expression ${example}`);
  }
  if (source.trim() === '') {
    return fail(`empty expression; write <aggregation><operator><number>, ${example}`);
  }

  const match = operatorToken.exec(source);
  if (!match) return fail(`missing operator; use ${operatorList} between the aggregation and the number`);
  const token = match[0];
  const meant = misspelledOperators[token];
  if (meant !== undefined) return fail(`unknown operator "${token}"; use ${meant} (accepted: ${operatorList})`);
  const operator = (token === '===' ? '==' : token) as Operator;

  const left = source.slice(0, match.index).trim();
  const right = source.slice(match.index + token.length).trim();
  if (left === '') return fail(`missing aggregation before "${token}"; use p(N), ${aggregationList}`);
  if (right === '') return fail(`missing number after "${token}"; write a limit such as 300ms, 2s, 1% or 0.01`);

  const aggregation = parseAggregation(left, fail);
  const { value, unit } = parseLimit(right, aggregation, fail);
  return unit === undefined ? { source, aggregation, operator, value } : { source, aggregation, operator, value, unit };
}

function parseAggregation(text: string, fail: (reason: string) => never): Aggregation {
  if (simpleAggregations.has(text)) return { kind: text as Exclude<Aggregation['kind'], 'p'> };

  // p95 and p99.9 (as the issue tracker and most dashboards write them) mean p(95) and p(99.9).
  const shorthand = /^p(\d+(?:\.\d+)?)$/.exec(text);
  const call = shorthand ? [text, shorthand[1]!] : /^p\((.*)\)$/.exec(text);
  if (call) {
    const inside = call[1]!.trim();
    if (inside === '') return fail('percentile missing inside p(); write p(95) or p(99.9)');
    if (!/^\d+(\.\d+)?$/.test(inside)) return fail(`percentile "${inside}" is not a number; write p(95) or p(99.9)`);
    const percentile = Number(inside);
    if (percentile > 100) return fail(`percentile must be between 0 and 100, found ${inside}`);
    return { kind: 'p', percentile };
  }

  // p95, P95, p 95, P(95): say the k6 spelling of the same percentile.
  const nearPercentile = /^p\s*\(?\s*(\d+(?:\.\d+)?)\s*\)?$/i.exec(text);
  const percentileHint = nearPercentile ? `p(${nearPercentile[1]})` : 'p(N)';
  return fail(`unknown aggregation "${text}"; use ${percentileHint}, ${aggregationList}`);
}

function parseLimit(
  text: string,
  aggregation: Aggregation,
  fail: (reason: string) => never,
): { value: number; unit?: Unit } {
  const match = /^(-?(?:\d+(?:\.\d+)?|\.\d+))\s*(ms|s|%)?$/.exec(text);
  if (!match) {
    const unknownUnit = /^-?(?:\d+(?:\.\d+)?|\.\d+)\s*([a-zA-Zµ]+)$/.exec(text);
    if (unknownUnit) return fail(`unknown unit "${unknownUnit[1]}"; use ms or s for times, % for rate, or none`);
    return fail(
      `"${text}" is not a number; write a number, optionally followed by ms or s (times) or % (rate), such as 300ms`,
    );
  }
  const digits = match[1]!;
  const unit = match[2] as Unit | undefined;
  const name = aggregationLabel(aggregation);
  if (digits.startsWith('-')) return fail(`the limit must not be negative, found ${text}`);

  if ((aggregation.kind === 'count' || aggregation.kind === 'rps') && unit !== undefined) {
    return fail(`${name} takes a plain number, not "${unit}"`);
  }
  if (rateAggregations.has(aggregation.kind)) {
    if (unit === 'ms' || unit === 's') {
      return fail(`${name} takes a fraction such as 0.01 or a percentage such as 1%, not "${unit}"`);
    }
    if (unit === '%') {
      if (Number(digits) > 100) return fail(`${name} must be between 0% and 100%, found ${text}`);
    } else if (Number(digits) > 1) {
      return fail(`${name} is a fraction between 0 and 1, found ${digits}; for percent write ${digits}%`);
    }
  }
  if (unit === '%' && timeAggregations.has(aggregation.kind)) {
    return fail(`"%" applies to rate and errors only; ${name} takes ms, s or a plain number (milliseconds)`);
  }

  // Shift the decimal point in the text rather than multiply, so 1.1% is exactly 0.011, not 0.011000000000000001.
  const value = Number(unit === 's' ? `${digits}e3` : unit === '%' ? `${digits}e-2` : digits);
  return unit === undefined ? { value } : { value, unit };
}

/**
 * Parses a scenario → expressions map, such as `{ health: ['p(95)<300ms'], query: ['p(95)<2s'] }`.
 * Every bad expression is reported at once, each with its place (`query[1]`), in one ThresholdError.
 */
export function parseThresholds(map: Record<string, string[]>): Record<string, Threshold[]> {
  const parsed: Record<string, Threshold[]> = {};
  const issues: ThresholdIssue[] = [];
  for (const [scenario, expressions] of Object.entries(map)) {
    if (!Array.isArray(expressions)) {
      issues.push({ path: scenario, source: expressions, reason: `expected a list of expressions, ${example}` });
      continue;
    }
    parsed[scenario] = [];
    expressions.forEach((source, index) => {
      try {
        parsed[scenario]!.push(parseThreshold(source));
      } catch (error) {
        if (!(error instanceof ThresholdError)) throw error;
        issues.push({ ...error.issues[0]!, path: `${scenario}[${index}]` });
      }
    });
  }
  if (issues.length > 0) throw new ThresholdError(issues);
  return parsed;
}

/** How the aggregation is written: `avg`, `p(95)`, `p(99.9)`. */
export function aggregationLabel(aggregation: Aggregation): string {
  return aggregation.kind === 'p' ? `p(${aggregation.percentile})` : aggregation.kind;
}

export interface ThresholdResult {
  ok: boolean;
  /** A k6-style summary line: `✓ p(95)<300ms  measured p(95)=212.4ms`. */
  line: string;
}

/**
 * Judges a measured value against a threshold. `measured` is in base units, as `value` is:
 * milliseconds for times, a fraction from 0 to 1 for rate, a plain number for count. NaN
 * (no samples) fails: a threshold nothing was measured for has not been met.
 */
export function evaluateThreshold(threshold: Threshold, measured: number): ThresholdResult {
  const name = aggregationLabel(threshold.aggregation);
  if (Number.isNaN(measured)) {
    return { ok: false, line: `✗ ${threshold.source}  measured nothing: no samples for ${name}` };
  }
  const ok = compare(measured, threshold.operator, threshold.value);
  const shown = inUnit(measured, threshold.unit);
  const limit = inUnit(threshold.value, threshold.unit);
  const text = formatMeasured(shown, (candidate) => compare(candidate, threshold.operator, limit) === ok);
  return { ok, line: `${ok ? '✓' : '✗'} ${threshold.source}  measured ${name}=${text}${threshold.unit ?? ''}` };
}

function compare(measured: number, operator: Operator, limit: number): boolean {
  switch (operator) {
    case '<':
      return measured < limit;
    case '<=':
      return measured <= limit;
    case '>':
      return measured > limit;
    case '>=':
      return measured >= limit;
    case '==':
      return measured === limit;
    case '!=':
      return measured !== limit;
  }
}

function inUnit(value: number, unit: Unit | undefined): number {
  if (unit === 's') return value / 1000;
  if (unit === '%') return value * 100;
  return value;
}

/**
 * Four significant digits (more for large numbers, whole numbers as they are), and as many more as it
 * takes for the printed number to compare with the limit as the real one did: `measured p(95)=300`
 * beside a failed `p(95)<300` would read as a contradiction when the value was 300.04.
 */
function formatMeasured(value: number, agrees: (candidate: number) => boolean): string {
  if (!Number.isFinite(value) || Number.isInteger(value)) return String(value);
  const integerDigits = Math.max(1, Math.floor(Math.log10(Math.abs(value))) + 1);
  for (let precision = Math.max(4, integerDigits + 1); precision < 17; precision++) {
    const candidate = Number(value.toPrecision(precision));
    if (agrees(candidate)) return String(candidate);
  }
  return String(value);
}
