/**
 * Seed task 6.2's metrics rules, as pure judgements over scrapes of the
 * target's Prometheus endpoint taken around traffic the check sent itself:
 * the families exist with their labels, the request counter and the latency
 * histogram move by exactly the requests sent, the WebSocket gauge follows a
 * connection, dependency calls are timed, and no label value holds an id from
 * a path (route templates only, so the series stay bounded).
 */
import { failed, passed, type Verdict } from '../../checks/check.ts';
import type { MetricsSpec } from '../../config/profiles.ts';
import { seriesKey, samplesOf, sumOf, type Exposition, type Sample } from './prometheus-text.ts';

/** What the check sent between the first and the last scrape. */
export interface SentTraffic {
  /** `GET <conversations>/<random id>`, each answered `status`. */
  request: string;
  count: number;
  status: number;
  /** The random ids in those paths: no label value may hold one. */
  ids: readonly string[];
  /** A WebSocket was open during the middle scrape, and closed before the last. */
  websocket: boolean;
  /** A question was answered 200, so the target called its dependencies. */
  questionAnswered: boolean;
  /** A request the check made fail inside (locally: its tables renamed away), and what it answered. */
  forcedError?: { request: string; status: number };
}

export interface Scrapes {
  before: Exposition;
  /** While the WebSocket was open (undefined when none was opened). */
  during: Exposition | undefined;
  after: Exposition;
}

type FamilyNeed = { name: string; type: 'counter' | 'histogram' | 'gauge'; labels: string[] };

function familyNeeds(spec: MetricsSpec, websocket: boolean): FamilyNeed[] {
  return [
    { name: spec.requests, type: 'counter', labels: [spec.routeLabel, spec.statusLabel] },
    { name: spec.requestDuration, type: 'histogram', labels: [spec.routeLabel, spec.statusLabel] },
    { name: spec.dependencyDuration, type: 'histogram', labels: [spec.dependencyLabel] },
    { name: spec.dependencyErrors, type: 'counter', labels: [spec.dependencyLabel] },
    ...(websocket && spec.websocketConnections
      ? [{ name: spec.websocketConnections, type: 'gauge' as const, labels: [] }]
      : []),
  ];
}

/** Families missing, of the wrong type, or whose samples lack a label the spec names. */
export function missingFamilies(spec: MetricsSpec, exposition: Exposition, websocket: boolean): string[] {
  const problems: string[] = [];
  for (const need of familyNeeds(spec, websocket)) {
    const type = exposition.types.get(need.name);
    if (!type) {
      problems.push(`no ${need.type} ${need.name}`);
      continue;
    }
    if (type !== need.type) problems.push(`${need.name} is a ${type}, not a ${need.type}`);
    const sampleName = need.type === 'histogram' ? `${need.name}_count` : need.name;
    const samples = samplesOf(exposition, sampleName);
    const unlabelled = need.labels.filter((label) => samples.some((sample) => sample.labels[label] === undefined));
    if (unlabelled.length > 0) problems.push(`${need.name} has series without the label(s) ${unlabelled.join(', ')}`);
  }
  return problems;
}

/** Per series of `name`: the value after minus the value before (a new series counts from 0). */
export function deltas(
  before: Exposition,
  after: Exposition,
  name: string,
): { labels: Record<string, string>; delta: number }[] {
  const previous = new Map(samplesOf(before, name).map((sample) => [seriesKey(sample.labels), sample.value]));
  return samplesOf(after, name)
    .map((sample: Sample) => ({
      labels: sample.labels,
      delta: sample.value - (previous.get(seriesKey(sample.labels)) ?? 0),
    }))
    .filter((series) => series.delta !== 0);
}

function describeSeries(labels: Record<string, string>): string {
  return `{${Object.entries(labels)
    .map(([name, value]) => `${name}="${value}"`)
    .join(',')}}`;
}

/** 6.2/metrics-count-traffic: the counters moved by exactly what was sent. */
export function countsVerdict(spec: MetricsSpec, scrapes: Scrapes, sent: SentTraffic): Verdict {
  const { before, during, after } = scrapes;
  const missing = missingFamilies(spec, after, sent.websocket);
  const problems: string[] = [...missing];
  const evidence: string[] = [];
  const status = String(sent.status);
  const counted = deltas(before, after, spec.requests).filter((series) => series.labels[spec.statusLabel] === status);
  const countedTotal = counted.reduce((total, series) => total + series.delta, 0);
  if (countedTotal !== sent.count) {
    problems.push(
      `${spec.requests}{${spec.statusLabel}="${status}"} moved by ${countedTotal}, not by the ${sent.count} ${sent.request} sent`,
    );
  }
  const timed = deltas(before, after, `${spec.requestDuration}_count`).filter(
    (series) => series.labels[spec.statusLabel] === status,
  );
  const timedTotal = timed.reduce((total, series) => total + series.delta, 0);
  if (timedTotal !== sent.count) {
    problems.push(
      `${spec.requestDuration}_count{${spec.statusLabel}="${status}"} moved by ${timedTotal}, not by ${sent.count}`,
    );
  }
  evidence.push(
    `series of ${spec.requests} that moved with status ${status}: ${counted.map((series) => `${describeSeries(series.labels)} +${series.delta}`).join(', ') || 'none'}`,
  );
  if (sent.websocket && spec.websocketConnections && during) {
    const open = sumOf(during, spec.websocketConnections) - sumOf(before, spec.websocketConnections);
    const closed = sumOf(after, spec.websocketConnections) - sumOf(before, spec.websocketConnections);
    if (open !== 1)
      problems.push(`${spec.websocketConnections} moved by ${open} while one WebSocket was open, not by 1`);
    if (closed !== 0)
      problems.push(`${spec.websocketConnections} is ${closed} away from its start after the WebSocket closed`);
  }
  let dependencyCalls = 0;
  if (sent.questionAnswered) {
    const calls = deltas(before, after, `${spec.dependencyDuration}_count`);
    dependencyCalls = calls.reduce((total, series) => total + series.delta, 0);
    const dependencies = [...new Set(calls.map((series) => series.labels[spec.dependencyLabel]))];
    if (dependencyCalls < 1)
      problems.push(`${spec.dependencyDuration}_count did not move although a question was answered`);
    evidence.push(
      `dependency calls timed during one question: ${dependencyCalls} (${dependencies.join(', ') || 'none'})`,
    );
  }
  let errorsCounted = 0;
  if (sent.forcedError && sent.forcedError.status >= 500) {
    const forcedStatus = String(sent.forcedError.status);
    const failedRequests = deltas(before, after, spec.requests)
      .filter((series) => series.labels[spec.statusLabel] === forcedStatus)
      .reduce((total, series) => total + series.delta, 0);
    if (failedRequests !== 1) {
      problems.push(
        `${spec.requests}{${spec.statusLabel}="${forcedStatus}"} moved by ${failedRequests}, not by the 1 ${sent.forcedError.request}`,
      );
    }
    const errors = deltas(before, after, spec.dependencyErrors);
    errorsCounted = errors.reduce((total, series) => total + series.delta, 0);
    if (errorsCounted < 1)
      problems.push(
        `${spec.dependencyErrors} did not move although a dependency call failed (${sent.forcedError.request})`,
      );
    evidence.push(
      `dependency errors counted for ${sent.forcedError.request}: ${errors.map((series) => `${describeSeries(series.labels)} +${series.delta}`).join(', ') || 'none'}`,
    );
  }
  if (problems.length === 0) {
    const route = counted[0]!.labels[spec.routeLabel];
    return passed(
      `${sent.count} x ${sent.request} moved ${spec.requests} and ${spec.requestDuration} by exactly ${sent.count} ` +
        `(${spec.routeLabel}="${route}", ${spec.statusLabel}="${status}")` +
        (sent.websocket && spec.websocketConnections
          ? `; ${spec.websocketConnections} +1 while a WebSocket was open, back after`
          : '') +
        (sent.questionAnswered ? `; ${dependencyCalls} dependency call(s) timed for one question` : '') +
        (sent.forcedError
          ? `; one forced ${sent.forcedError.status} counted once, ${errorsCounted} dependency error(s) counted`
          : ''),
    );
  }
  return failed(problems.join('; '), evidence.join('\n'));
}

/**
 * Ids of the sent paths in any label value, and id-shaped route values (UUIDs,
 * long hex or digit runs): another label may rightly hold a commit hash.
 */
export function idLabels(
  exposition: Exposition,
  ids: readonly string[],
  routeLabel: string,
): { series: string; value: string; why: string }[] {
  const found: { series: string; value: string; why: string }[] = [];
  const idShape = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\b[0-9a-f]{24,}\b|\b\d{6,}\b/i;
  const seen = new Set<string>();
  for (const sample of exposition.samples) {
    for (const [label, value] of Object.entries(sample.labels)) {
      const key = `${sample.name}:${label}=${value}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const sentId = ids.find((id) => value.includes(id));
      const why = sentId
        ? 'an id the check put in a path'
        : label === routeLabel && idShape.test(value)
          ? 'an id-shaped route'
          : '';
      if (why) found.push({ series: `${sample.name}{${label}="${value}"}`, value, why });
    }
  }
  return found;
}

/** 6.2/metrics-bounded-labels: after requests to paths with random ids, no label value holds an id. */
export function boundedLabelsVerdict(spec: MetricsSpec, after: Exposition, sent: SentTraffic): Verdict {
  const found = idLabels(after, sent.ids, spec.routeLabel);
  const routes = new Set(samplesOf(after, spec.requests).map((sample) => sample.labels[spec.routeLabel]));
  if (found.length === 0) {
    return passed(
      `after ${sent.count} x ${sent.request} with random ids, no label value holds an id; ` +
        `${spec.requests} has ${routes.size} ${spec.routeLabel} value(s), all templates`,
    );
  }
  return failed(
    `${found.length} label value(s) hold ids, so every new id adds series without bound: first ${found[0]!.series} (${found[0]!.why})`,
    found
      .slice(0, 8)
      .map((item) => `  ${item.series}: ${item.why}`)
      .join('\n'),
  );
}
