/**
 * 5.1's RAG checks: the corpus goes in through the target's ingestion route,
 * lands in the collection the target is configured with, and every golden
 * question is answered citing its page (hit@k, MRR) with an answer grounded in
 * it; and the embedding model is told which texts are documents and which are
 * questions (the Cohere stand-in records each call's input_type).
 */
import { failed, passed, skipped, type Verdict } from '../../checks/check.ts';
import type { CheckContext } from '../../checks/context.ts';
import { describeFetchError, excerpt } from '../../support/http.ts';
import {
  citedPagesOf,
  ensureCorpusIngested,
  ingestCorpus,
  ingestionUnavailable,
  loadCorpus,
  loadGolden,
} from './corpus.ts';
import {
  describeFigures,
  figuresOf,
  missedMinimums,
  scoreQuestion,
  scoresTable,
  type GoldenOutcome,
} from './rag-metrics.ts';

/** An answer is grounded when at least this share of its content terms is in the expected page. */
export const groundedMinShare = 0.6;
const k = 3;

/** How many points the configured collection holds, read from Qdrant directly (local: its mapped port). */
async function collectionPoints(ctx: CheckContext): Promise<{ collection: string; points?: number; error?: string }> {
  const qdrant = ctx.target.api.qdrant!;
  const collection = ctx.local.environment[qdrant.collectionVariable] ?? '';
  try {
    const response = await fetch(
      `${await ctx.faults.mappedUrl('qdrant')}/collections/${encodeURIComponent(collection)}`,
      {
        headers: { 'api-key': ctx.local.environment[qdrant.apiKeyVariable] ?? '' },
        signal: AbortSignal.timeout(ctx.thresholds.requestTimeoutMs),
      },
    );
    const text = await response.text();
    if (response.status === 404) return { collection, points: 0, error: 'the collection does not exist' };
    if (!response.ok) return { collection, error: `Qdrant answered ${response.status}: ${excerpt(text, 160)}` };
    const points = (JSON.parse(text) as { result?: { points_count?: number } }).result?.points_count;
    return typeof points === 'number' ? { collection, points } : { collection, error: 'no points_count in the answer' };
  } catch (error) {
    return { collection, error: describeFetchError(error) };
  }
}

/** 5.1/rag-quality */
export async function probeRagQuality(ctx: CheckContext): Promise<Verdict> {
  const unavailable = ingestionUnavailable(ctx);
  if (unavailable) return skipped(unavailable);
  const { corpus: corpusFolder, golden: goldenFile } = ctx.target.endToEnd.rag;
  const [pages, golden] = await Promise.all([loadCorpus(corpusFolder), loadGolden(goldenFile)]);
  const byFile = new Map(pages.map((page) => [page.file, page]));
  const unknown = golden.filter((question) => !byFile.has(question.expectedPage));
  if (unknown.length > 0) {
    throw new Error(
      `golden questions name pages not in ${corpusFolder}: ${unknown.map((q) => q.expectedPage).join(', ')}`,
    );
  }
  const ingested = await ensureCorpusIngested(ctx, pages);
  const notes = [`ingested ${ingested.documents} pages${ingested.chunks ? ` (${ingested.chunks} chunks)` : ''}`];

  // The corpus must be where the target is told to keep it: a target that ignores its collection variable
  // may still answer, from somewhere no deployment will have.
  if (ctx.target.api.qdrant) {
    const stored = await collectionPoints(ctx);
    notes.push(
      `collection "${stored.collection}": ${stored.points ?? '?'} points${stored.error ? ` (${stored.error})` : ''}`,
    );
    if (!stored.points) {
      return failed(
        `the ingested corpus is not in the configured collection "${stored.collection}" (${stored.error ?? '0 points'})`,
        notes.join('\n'),
      );
    }
  }

  const client = ctx.client(Math.max(ctx.thresholds.requestTimeoutMs, 15_000));
  const outcomes: GoldenOutcome[] = [];
  const conversations: string[] = [];
  for (const question of golden) {
    if (ctx.signal.aborted) break;
    ctx.note(`asking golden question ${question.id} (${outcomes.length}/${golden.length} answered)`);
    const result = await client.ask(question.question, { requestId: `shipshape-${ctx.runId}-rag-${question.id}` });
    if (!result.ok) {
      outcomes.push({ id: question.id, citedPages: [], answer: '', error: result.error });
      continue;
    }
    const { reply } = result;
    if (reply.conversationId) conversations.push(reply.conversationId);
    if (reply.status < 200 || reply.status >= 300) {
      outcomes.push({
        id: question.id,
        citedPages: [],
        answer: '',
        error: `HTTP ${reply.status}: ${excerpt(reply.text, 120)}`,
      });
      continue;
    }
    outcomes.push({
      id: question.id,
      citedPages: citedPagesOf(reply.body, ctx.target.query.sourcesField),
      answer: reply.answer ?? '',
    });
  }
  for (const id of conversations) await client.deleteConversation(id);

  const scores = golden.map((question, index) =>
    scoreQuestion(question, outcomes[index]!, byFile.get(question.expectedPage)!.text, {
      k,
      minShare: groundedMinShare,
    }),
  );
  const figures = figuresOf(scores);
  const table = scoresTable(golden, scores, outcomes);
  await ctx.attach(
    'RAG figures per question',
    'rag-quality.md',
    [
      `# RAG quality: ${describeFigures(figures)}`,
      '',
      `Corpus ${corpusFolder}, golden questions ${goldenFile}. ${notes.join('; ')}.`,
      `Grounded: the expected page is cited in the top ${k} and at least ${groundedMinShare} of the answer's content terms are in it.`,
      `Expected answer terms found: ${(figures.expectedTerms * 100).toFixed(0)}%.`,
      '',
      table,
      '',
    ].join('\n'),
  );
  await ctx.attach('RAG figures (JSON)', 'rag-quality.json', `${JSON.stringify({ figures, scores }, null, 2)}\n`);

  const errors = outcomes.filter((outcome) => outcome.error);
  const summary = `${describeFigures(figures)}; expected terms in ${(figures.expectedTerms * 100).toFixed(0)}% of answers`;
  const missed = missedMinimums(figures, ctx.thresholds.rag);
  if (errors.length > 0 || missed.length > 0) {
    const why = [
      ...(errors.length > 0
        ? [`${errors.length} of ${golden.length} questions not answered 2xx (first: ${errors[0]!.error})`]
        : []),
      ...(missed.length > 0 ? [`below the configured minimums: ${missed.join(', ')}`] : []),
    ];
    return failed(`${why.join('; ')} (${summary})`, [table, ...notes].join('\n'));
  }
  return passed(summary);
}

interface RecordedCall {
  path: string;
  input_type?: string;
  status?: number;
}

async function cohereCalls(ctx: CheckContext, method: 'GET' | 'DELETE'): Promise<RecordedCall[] | undefined> {
  const response = await fetch(`${await ctx.faults.mappedUrl('cohere')}/_standin/requests`, {
    method,
    signal: AbortSignal.timeout(ctx.thresholds.requestTimeoutMs),
  });
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`the Cohere stand-in's request record answered ${response.status}`);
  if (method === 'DELETE') return [];
  return ((await response.json()) as { requests: RecordedCall[] }).requests;
}

function inputTypes(calls: readonly RecordedCall[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const call of calls.filter((entry) => /\/embed$/.test(entry.path))) {
    const type = call.input_type ?? '(none)';
    counts.set(type, (counts.get(type) ?? 0) + 1);
  }
  return counts;
}

function describeTypes(counts: Map<string, number>): string {
  return counts.size === 0 ? 'no embed call' : [...counts].map(([type, n]) => `${type} x${n}`).join(', ');
}

/** 5.1/embedding-input-types */
export async function probeEmbeddingInputTypes(ctx: CheckContext): Promise<Verdict> {
  const unavailable = ingestionUnavailable(ctx);
  if (unavailable) return skipped(unavailable);
  if (!ctx.target.api.cohere) return skipped('the target declares no Cohere (target.api.cohere is null)');
  if (!(await cohereCalls(ctx, 'DELETE'))) {
    return skipped("Cohere is not the stand-in in this run: the harness cannot see each embed call's input_type");
  }
  const [pages, golden] = await Promise.all([
    loadCorpus(ctx.target.endToEnd.rag.corpus),
    loadGolden(ctx.target.endToEnd.rag.golden),
  ]);
  // One page is enough to see how documents are embedded (re-ingesting it overwrites the same points).
  await ingestCorpus(ctx, pages.slice(0, 1));
  const ingestTypes = inputTypes((await cohereCalls(ctx, 'GET')) ?? []);
  await cohereCalls(ctx, 'DELETE');
  const client = ctx.client(Math.max(ctx.thresholds.requestTimeoutMs, 15_000));
  const asked: string[] = [];
  for (const question of golden.slice(0, 3)) {
    const result = await client.ask(question.question);
    asked.push(result.ok ? `${result.reply.status}` : result.error);
    if (result.ok) await client.deleteConversation(result.reply.conversationId);
  }
  const queryTypes = inputTypes((await cohereCalls(ctx, 'GET')) ?? []);
  const evidence = [
    `ingesting one page: ${describeTypes(ingestTypes)}`,
    `asking ${asked.length} questions (answered ${asked.join(', ')}): ${describeTypes(queryTypes)}`,
  ].join('\n');
  const wrong: string[] = [];
  if (ingestTypes.size === 0) wrong.push('ingesting made no embed call');
  else if ([...ingestTypes.keys()].some((type) => type !== 'search_document')) {
    wrong.push(`documents were embedded as ${describeTypes(ingestTypes)}, not search_document`);
  }
  if (queryTypes.size === 0) wrong.push('asking made no embed call');
  else if ([...queryTypes.keys()].some((type) => type !== 'search_query')) {
    wrong.push(`questions were embedded as ${describeTypes(queryTypes)}, not search_query`);
  }
  if (wrong.length > 0) return failed(wrong.join('; '), evidence);
  return passed(`documents embedded as search_document, questions as search_query (${evidence.replace('\n', '; ')})`);
}
