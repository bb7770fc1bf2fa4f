/**
 * Seed task 3.2, the pure half: SQL identifier quoting, and the judgements on
 * what the probes measured (a readiness timeline through an outage, connection
 * counts under a burst, which accepted questions were stored). No I/O here, so
 * each rule is unit-tested with good and bad inputs.
 */
import { failed, passed, type Verdict } from '../../checks/check.ts';

/** `"name"` with embedded quotes doubled, as PostgreSQL reads a quoted identifier. */
export function quoteIdentifier(name: string): string {
  if (name.length === 0) throw new Error('an SQL identifier cannot be empty');
  if (name.includes('\0')) throw new Error('an SQL identifier cannot contain a NUL character');
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * A declared table as SQL: `messages` -> `"messages"`, `chat.messages` ->
 * `"chat"."messages"`. A dot separates schema and table; a name that itself
 * contains a dot cannot be declared.
 */
export function quoteTableName(name: string): string {
  const parts = name.split('.');
  if (parts.length > 2) throw new Error(`"${name}" is not a table or schema.table name`);
  return parts.map(quoteIdentifier).join('.');
}

/** A LIKE pattern matching `text` anywhere, with LIKE's own wildcards (and the escape) taken literally. */
export function likeContaining(text: string): string {
  return `%${text.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}

/** Said wherever a 429 may have kept a check from measuring anything: the harness, not the target, is short. */
export const rateLimitedNote =
  "429 is the target's rate limit turning the harness away, not a verdict on the database: raise it for local " +
  'runs (target.environment, e.g. RATE_LIMIT_PER_MINUTE)';

export function isAccepted(status: number | undefined): boolean {
  return status !== undefined && status >= 200 && status < 300;
}

export function formatMs(ms: number): string {
  return ms < 1_000 ? `${Math.round(ms)} ms` : `${(ms / 1_000).toFixed(1)} s`;
}

/** `200×38, 429×2, no answer×1`: how a set of requests was answered. */
export function statusCounts(statuses: readonly (number | undefined)[]): string {
  const counts = new Map<string, number>();
  for (const status of statuses) {
    const key = status === undefined ? 'no answer' : String(status);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, count]) => `${key}×${count}`)
    .join(', ');
}

// ---------------------------------------------------------------------------------------------------------------
// Readiness through an outage

export type OutagePhase = 'before' | 'outage' | 'recovery';

/** One GET of the readiness route. */
export interface ReadinessSample {
  phase: OutagePhase;
  /** When the answer (or the give-up) came, in ms since the phase began. */
  atMs: number;
  /** How long the request took. */
  tookMs: number;
  /** HTTP status; undefined when no answer came (timeout, refused). */
  status?: number;
  /** The body (answered) or the error (not answered). */
  text: string;
  /** The request was given up after the per-request timeout: the route hung. */
  timedOut: boolean;
}

/**
 * Does this answer say the dependency is down? A 503 whose JSON names it as not
 * ok (`checks.<name>.ok === false`), or, for a body without per-dependency
 * checks, one whose text names it.
 */
export function reportsDependencyDown(sample: Pick<ReadinessSample, 'status' | 'text'>, dependency: string): boolean {
  if (sample.status !== 503) return false;
  let body: unknown;
  try {
    body = JSON.parse(sample.text);
  } catch {
    body = undefined;
  }
  const checks = (body as { checks?: unknown } | undefined)?.checks;
  if (checks && typeof checks === 'object') {
    const entry = (checks as Record<string, unknown>)[dependency];
    if (entry && typeof entry === 'object') return (entry as { ok?: unknown }).ok === false;
    return false;
  }
  return sample.text.includes(dependency);
}

export interface OutageBounds {
  /** The readiness name of the dependency (`database.readinessName`). */
  dependency: string;
  outage: 'pause' | 'stop';
  detectWithinMs: number;
  recoverWithinMs: number;
  requestTimeoutMs: number;
}

function describeSample(sample: ReadinessSample): string {
  if (sample.timedOut) return `no answer within ${formatMs(sample.tookMs)} (hung)`;
  if (sample.status === undefined) return `no answer: ${sample.text}`;
  return `${sample.status} ${compact(sample.text, 140)}`;
}

function sampleLine(sample: ReadinessSample): string {
  return `${sample.phase.padEnd(8)} t+${Math.round(sample.atMs)}ms: ${describeSample(sample)}`;
}

/**
 * One line per answer, `phase t+ms: status body`. A run of like answers
 * (same phase, same status, or hung alike) keeps its first and last line.
 */
export function formatTimeline(samples: readonly ReadinessSample[]): string {
  const lines: string[] = [];
  const same = (a: ReadinessSample, b: ReadinessSample) =>
    a.phase === b.phase && a.status === b.status && a.timedOut === b.timedOut;
  for (let start = 0; start < samples.length;) {
    let end = start;
    while (end + 1 < samples.length && same(samples[end + 1]!, samples[start]!)) end += 1;
    lines.push(sampleLine(samples[start]!));
    const between = end - start - 1;
    if (between > 0) {
      const first = samples[start]!;
      const what = first.timedOut ? 'hung requests' : `${first.status ?? 'unanswered'} answers`;
      lines.push(`${first.phase.padEnd(8)} ... ${between} more ${what} ...`);
    }
    if (end > start) lines.push(sampleLine(samples[end]!));
    start = end + 1;
  }
  return lines.join('\n');
}

/**
 * The verdict on a readiness timeline: during the outage the route must
 * answer (not hang) and say 503 naming the dependency within the bound; after
 * the restore it must say 200 again within the recovery bound.
 */
export function evaluateOutageTimeline(samples: readonly ReadinessSample[], bounds: OutageBounds): Verdict {
  const { dependency, outage, detectWithinMs, recoverWithinMs, requestTimeoutMs } = bounds;
  const evidence = formatTimeline(samples);
  const verb = outage === 'pause' ? 'paused' : 'stopped';
  const before = samples.filter((sample) => sample.phase === 'before');
  if (before.length > 0 && !before.some((sample) => sample.status === 200)) {
    return failed(
      `readiness was not 200 before ${dependency} was ${verb}, so the outage could not be told apart`,
      evidence,
    );
  }
  const during = samples.filter((sample) => sample.phase === 'outage');
  const problems: string[] = [];
  const hung = during.filter((sample) => sample.timedOut);
  if (hung.length > 0) {
    problems.push(
      `readiness did not answer within ${formatMs(requestTimeoutMs)} while ${dependency} was ${verb} ` +
        `(${hung.length} of ${during.length} requests hung; it must answer 503, not hang)`,
    );
  }
  const detected = during.find((sample) => reportsDependencyDown(sample, dependency));
  let detectedAt: number | undefined;
  if (!detected) {
    const other503 = during.some((sample) => sample.status === 503);
    problems.push(
      `no 503 naming ${dependency} within ${formatMs(detectWithinMs)} of ${dependency} being ${verb}` +
        (other503 ? ' (503s came, but their body does not report it as down)' : '') +
        `; answers seen: ${summarizeStatuses(during)}`,
    );
  } else if (detected.atMs > detectWithinMs) {
    problems.push(
      `the first 503 naming ${dependency} came ${formatMs(detected.atMs)} after it was ${verb} ` +
        `(bound ${formatMs(detectWithinMs)})`,
    );
  } else {
    detectedAt = detected.atMs;
  }
  const after = samples.filter((sample) => sample.phase === 'recovery');
  const recovered = after.find((sample) => sample.status === 200);
  let recoveredAt: number | undefined;
  if (!recovered) {
    problems.push(
      `readiness did not answer 200 within ${formatMs(recoverWithinMs)} of ${dependency} coming back; ` +
        `answers seen: ${summarizeStatuses(after)}`,
    );
  } else if (recovered.atMs > recoverWithinMs) {
    problems.push(
      `readiness answered 200 again only ${formatMs(recovered.atMs)} after ${dependency} came back ` +
        `(bound ${formatMs(recoverWithinMs)})`,
    );
  } else {
    recoveredAt = recovered.atMs;
  }
  if (problems.length > 0) return failed(problems.join('; '), evidence);
  return passed(
    `503 naming ${dependency} ${formatMs(detectedAt!)} after it was ${verb} (bound ${formatMs(detectWithinMs)}); ` +
      `200 again ${formatMs(recoveredAt!)} after it came back (bound ${formatMs(recoverWithinMs)})`,
  );
}

function summarizeStatuses(samples: readonly ReadinessSample[]): string {
  if (samples.length === 0) return 'none';
  return statusCounts(samples.map((sample) => sample.status));
}

function compact(text: string, max: number): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max)}...` : oneLine;
}

// ---------------------------------------------------------------------------------------------------------------
// Connections under a burst

export interface PoolObservation {
  /** Connections from the target's address in each pg_stat_activity sample. */
  samples: readonly number[];
  /** The declared pool limit (`database.maxConnections`). */
  limit: number;
  /** How each question of the burst was answered; undefined: no answer. */
  statuses: readonly (number | undefined)[];
}

/**
 * The pool stays within its limit, judged only when the burst could have
 * shown otherwise: more questions than the limit must have reached the app
 * (a 429 is turned away before any query), and the target must have been seen
 * holding connections at all.
 */
export function evaluatePoolSamples(observation: PoolObservation): Verdict {
  const { samples, limit, statuses } = observation;
  const max = samples.length > 0 ? Math.max(...samples) : 0;
  const through = statuses.filter((status) => status !== undefined && status !== 429).length;
  const rateLimited = statuses.filter((status) => status === 429).length;
  const figures =
    `max ${max} connections from the target in ${samples.length} samples (limit ${limit}); ` +
    `${statuses.length} concurrent questions answered ${statusCounts(statuses)}`;
  if (samples.length === 0) return failed('pg_stat_activity was never sampled during the burst', figures);
  if (max > limit) {
    return failed(`the target held ${max} connections to PostgreSQL at once, over its limit of ${limit}`, figures);
  }
  if (through <= limit) {
    return failed(
      `the burst could not load the pool: only ${through} of ${statuses.length} questions reached the app ` +
        `(${rateLimited} answered 429), not more than the limit of ${limit}` +
        (rateLimited > 0 ? `; ${rateLimitedNote}` : ''),
      figures,
    );
  }
  if (max === 0) {
    return failed(
      "no connection from the target's address was seen in pg_stat_activity during the burst, " +
        'so the pool could not be measured',
      figures,
    );
  }
  return passed(figures);
}

// ---------------------------------------------------------------------------------------------------------------
// Accepted questions and where they were found

export interface QuestionOutcome {
  label: string;
  /** Asked while the database was out, or once it was back. */
  phase: 'outage' | 'recovery';
  marker: string;
  status?: number;
  /** Why there was no status (timeout, refused). */
  error?: string;
  /** How long the answer (or the give-up) took. */
  tookMs?: number;
  /** Table -> rows whose text contains the marker; undefined when not searched. */
  found?: Record<string, number>;
}

export function storedIn(outcome: QuestionOutcome): string[] {
  return Object.entries(outcome.found ?? {})
    .filter(([, rows]) => rows > 0)
    .map(([table]) => table);
}

export function formatQuestion(outcome: QuestionOutcome): string {
  const took = outcome.tookMs === undefined ? '' : ` after ${formatMs(outcome.tookMs)}`;
  const answer =
    (outcome.status === undefined ? `no answer (${outcome.error ?? 'unknown'})` : String(outcome.status)) + took;
  const where = outcome.found === undefined ? 'not searched' : storedIn(outcome).join(', ') || 'not found';
  const note = isAccepted(outcome.status) ? 'accepted' : 'not accepted';
  return `${outcome.label.padEnd(12)} ${answer.padEnd(24)} ${note.padEnd(13)} stored: ${where}   (${outcome.marker})`;
}

/**
 * Every question answered 2xx, during the outage or after it, is stored; and
 * once the database is back at least `recoveryRequired` questions are answered
 * 2xx (a target that refuses everything would otherwise lose nothing).
 */
export function evaluateAcceptedStored(
  outcomes: readonly QuestionOutcome[],
  recoveryRequired: number,
  notes: readonly string[] = [],
): Verdict {
  const problems: string[] = [];
  const evidence = [...notes, ...outcomes.map(formatQuestion)].join('\n');
  const lost = outcomes.filter((outcome) => isAccepted(outcome.status) && storedIn(outcome).length === 0);
  if (lost.length > 0) {
    problems.push(
      `${lost.length} question(s) answered 2xx but not stored: ${lost.map((outcome) => outcome.label).join(', ')}`,
    );
  }
  const after = outcomes.filter((outcome) => outcome.phase === 'recovery');
  const acceptedAfter = after.filter((outcome) => isAccepted(outcome.status));
  if (acceptedAfter.length < recoveryRequired) {
    problems.push(
      `only ${acceptedAfter.length} of ${recoveryRequired} questions were answered 2xx once the database was back ` +
        `(answers: ${statusCounts(after.map((outcome) => outcome.status)) || 'none'})` +
        (after.some((outcome) => outcome.status === 429) ? `; ${rateLimitedNote}` : ''),
    );
  }
  if (problems.length > 0) return failed(problems.join('; '), evidence);
  const during = outcomes.filter((outcome) => outcome.phase === 'outage');
  const acceptedDuring = during.filter((outcome) => isAccepted(outcome.status));
  return passed(
    `during the outage: ${statusCounts(during.map((outcome) => outcome.status)) || 'no questions'} ` +
      `(${acceptedDuring.length === 0 ? 'none accepted' : `${acceptedDuring.length} accepted, all stored`}); ` +
      `after it: ${acceptedAfter.length} answered 2xx, all stored`,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Whole exchanges: each question and the answer the API returned for it

/** Where a text was found in the declared tables. */
export interface TextFound {
  /** Table -> rows holding the text in one of their text or JSON columns. */
  rows: Record<string, number>;
  /** Table -> of those rows, the ones that also carry the conversation id; undefined when the API named none. */
  inConversation?: Record<string, number>;
}

/** One question asked through the API, what came back, and where its two halves were found. */
export interface ExchangeOutcome {
  label: string;
  marker: string;
  question: string;
  status?: number;
  /** Why there was no status (timeout, refused). */
  error?: string;
  /** The answer text the API returned (the profile's answer field). */
  answer?: string;
  /** The conversation the API said the exchange was stored in, when it said. */
  conversationId?: string;
  /** Undefined: not searched. */
  questionFound?: TextFound;
  answerFound?: TextFound;
}

function total(rows: Record<string, number>): number {
  return Object.values(rows).reduce((sum, count) => sum + count, 0);
}

function tablesWith(rows: Record<string, number>): string[] {
  return Object.entries(rows)
    .filter(([, count]) => count > 0)
    .map(([table, count]) => `${table} (${count} row${count === 1 ? '' : 's'})`);
}

type Placement = 'missing' | 'outside-conversation' | 'stored';

function placement(found: TextFound | undefined): Placement {
  if (!found || total(found.rows) === 0) return 'missing';
  if (found.inConversation && total(found.inConversation) === 0) return 'outside-conversation';
  return 'stored';
}

function describeFound(what: 'question' | 'answer', found: TextFound | undefined, conversationId?: string): string {
  const where = placement(found);
  if (where === 'missing') return `the ${what} is in none of the declared tables`;
  const tables = tablesWith(found!.rows).join(', ');
  if (where === 'outside-conversation') {
    return `the ${what} is in ${tables}, but in no row carrying its conversation id ${conversationId}`;
  }
  return (
    `the ${what} is in ${found!.inConversation ? tablesWith(found!.inConversation).join(', ') : tables}` +
    (conversationId ? `, with its conversation id` : '')
  );
}

/** Evidence lines for one exchange: how it was answered, then where each half was found. */
export function formatExchange(outcome: ExchangeOutcome): string[] {
  const answered =
    outcome.status === undefined ? `no answer (${outcome.error ?? 'unknown'})` : `answered ${outcome.status}`;
  const conversation = outcome.conversationId ? `, conversation ${outcome.conversationId}` : '';
  const lines = [`${outcome.label}: ${answered}${conversation} (${outcome.marker})`];
  if (!isAccepted(outcome.status)) return lines;
  if (outcome.answer === undefined) return [...lines, '  no answer text came back, so none was looked for'];
  const answer = outcome.answer.replace(/\s+/g, ' ').trim();
  lines.push(`  question: ${compact(outcome.question, 100)}`);
  lines.push(`  answer (${outcome.answer.length} characters): ${compact(answer, 100)}`);
  if (outcome.questionFound === undefined) return [...lines, '  not searched'];
  lines.push(`  ${describeFound('question', outcome.questionFound, outcome.conversationId)}`);
  lines.push(`  ${describeFound('answer', outcome.answerFound, outcome.conversationId)}`);
  return lines;
}

/**
 * Every exchange was answered 2xx with an answer text, and both halves of it
 * are stored: the question and the answer the API returned, each found in a
 * declared table, and in a row that carries the conversation id the API
 * named (when it named one), so the answer is stored as that conversation's.
 */
export function evaluateExchangesStored(outcomes: readonly ExchangeOutcome[], notes: readonly string[] = []): Verdict {
  const evidence = [...notes, ...outcomes.flatMap(formatExchange)].join('\n');
  const problems: string[] = [];
  const labels = (list: readonly ExchangeOutcome[]) => list.map((outcome) => outcome.label).join(', ');
  const refused = outcomes.filter((outcome) => !isAccepted(outcome.status));
  if (refused.length > 0) {
    const statuses = statusCounts(refused.map((outcome) => outcome.status));
    problems.push(
      `${refused.length} of ${outcomes.length} questions were not answered 2xx (${statuses}: ${labels(refused)}), ` +
        'so there is nothing accepted to look for' +
        (refused.some((outcome) => outcome.status === 429) ? ` (${rateLimitedNote})` : ''),
    );
  }
  const accepted = outcomes.filter((outcome) => isAccepted(outcome.status));
  const silent = accepted.filter((outcome) => outcome.answer === undefined || outcome.answer.trim() === '');
  if (silent.length > 0) {
    problems.push(`${silent.length} question(s) answered 2xx without an answer text (${labels(silent)})`);
  }
  const judged = accepted.filter((outcome) => !silent.includes(outcome));
  for (const what of ['question', 'answer'] as const) {
    const found = (outcome: ExchangeOutcome) => (what === 'question' ? outcome.questionFound : outcome.answerFound);
    const missing = judged.filter((outcome) => placement(found(outcome)) === 'missing');
    if (missing.length > 0) {
      problems.push(
        `the ${what} is in none of the declared tables for ${missing.length} of ${judged.length} exchanges ` +
          `answered 2xx (${labels(missing)})`,
      );
    }
    const astray = judged.filter((outcome) => placement(found(outcome)) === 'outside-conversation');
    if (astray.length > 0) {
      problems.push(
        `the ${what} is stored without the conversation id the API returned for ${astray.length} of ` +
          `${judged.length} exchanges (${labels(astray)})`,
      );
    }
  }
  if (problems.length > 0) return failed(problems.join('; '), evidence);
  const withConversation = judged.filter((outcome) => outcome.conversationId).length;
  const where = [
    ...new Set(
      judged.flatMap((outcome) => [
        ...Object.keys(outcome.questionFound?.rows ?? {}).filter((table) => outcome.questionFound!.rows[table]! > 0),
        ...Object.keys(outcome.answerFound?.rows ?? {}).filter((table) => outcome.answerFound!.rows[table]! > 0),
      ]),
    ),
  ];
  return passed(
    `all ${judged.length} exchanges answered 2xx are stored whole: each question and the answer the API returned ` +
      `found in ${where.join(', ')}` +
      (withConversation === judged.length
        ? ', each with the conversation id the API returned'
        : withConversation === 0
          ? ' (the API named no conversation)'
          : ` (${withConversation} with the conversation id the API returned; the others named none)`),
  );
}
