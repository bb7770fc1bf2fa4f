/**
 * Prometheus's text exposition format (version 0.0.4), parsed into samples:
 * `name{label="value",...} value [timestamp]`, with the family's TYPE. Written
 * here because the one npm parser (parse-prometheus-text-format 1.1.1, last
 * released 2019) drops the labels of every histogram series when `le` comes
 * first, as prom-client writes it. Label values are unescaped (\\, \", \n).
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  /** The sample's own name: `http_request_duration_seconds_count`, not the family's. */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  /** TYPE by family name. */
  types: Map<string, MetricType>;
  samples: Sample[];
}

export class ExpositionError extends Error {
  override name = 'ExpositionError';
}

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*/;

function parseValue(text: string): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (text === 'NaN') return Number.NaN;
  const value = Number(text);
  if (text === '' || Number.isNaN(value)) throw new Error(`"${text}" is not a number`);
  return value;
}

function parseLabels(text: string, start: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let at = start;
  for (;;) {
    while (text[at] === ' ' || text[at] === ',') at++;
    if (text[at] === '}') return { labels, end: at + 1 };
    const name = labelName.exec(text.slice(at))?.[0];
    if (!name) throw new Error(`a label name expected at column ${at + 1}`);
    at += name.length;
    while (text[at] === ' ') at++;
    if (text[at] !== '=' || text[at + 1] !== '"') throw new Error(`="..." expected after label ${name}`);
    at += 2;
    let value = '';
    for (;;) {
      const char = text[at];
      if (char === undefined) throw new Error(`label ${name}'s value is not closed`);
      if (char === '"') break;
      if (char === '\\') {
        const next = text[at + 1];
        value += next === 'n' ? '\n' : (next ?? '');
        at += 2;
        continue;
      }
      value += char;
      at++;
    }
    labels[name] = value;
    at++;
  }
}

/** Parses a whole exposition; a malformed line throws ExpositionError naming its number. */
export function parseExposition(text: string): Exposition {
  const types = new Map<string, MetricType>();
  const samples: Sample[] = [];
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '') continue;
    try {
      if (line.startsWith('#')) {
        const typeLine = /^#\s*TYPE\s+(\S+)\s+(\S+)/.exec(line);
        if (typeLine) types.set(typeLine[1]!, (typeLine[2]!.toLowerCase() as MetricType) ?? 'untyped');
        continue;
      }
      const name = metricName.exec(line)?.[0];
      if (!name) throw new Error('a metric name expected');
      let at = name.length;
      let labels: Record<string, string> = {};
      if (line[at] === '{') ({ labels, end: at } = parseLabels(line, at + 1));
      const rest = line.slice(at).trim().split(/\s+/);
      samples.push({ name, labels, value: parseValue(rest[0] ?? '') });
    } catch (error) {
      throw new ExpositionError(
        `line ${index + 1} is not Prometheus text: ${(error as Error).message}: ${line.slice(0, 120)}`,
      );
    }
  }
  return { types, samples };
}

/** The family a sample belongs to: `x_bucket`, `x_sum`, `x_count` of a histogram or summary `x`. */
export function familyOf(exposition: Exposition, sampleName: string): string {
  for (const suffix of ['_bucket', '_sum', '_count', '_created']) {
    if (sampleName.endsWith(suffix)) {
      const family = sampleName.slice(0, -suffix.length);
      const type = exposition.types.get(family);
      if (type === 'histogram' || type === 'summary') return family;
    }
  }
  return sampleName;
}

/** Samples named `name` whose labels include every pair of `match`. */
export function samplesOf(exposition: Exposition, name: string, match: Record<string, string> = {}): Sample[] {
  return exposition.samples.filter(
    (sample) => sample.name === name && Object.entries(match).every(([label, value]) => sample.labels[label] === value),
  );
}

/** The sum of the values of the matching samples (0 when none). */
export function sumOf(exposition: Exposition, name: string, match: Record<string, string> = {}): number {
  return samplesOf(exposition, name, match).reduce((total, sample) => total + sample.value, 0);
}

/** A stable key of a sample's labels, to pair a series across two scrapes. */
export function seriesKey(labels: Record<string, string>): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
}
