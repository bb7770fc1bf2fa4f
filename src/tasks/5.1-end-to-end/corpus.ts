/**
 * The corpus and golden questions of the RAG check (the target's config may
 * name its own), and getting the corpus into the target: through its admin
 * ingestion route, with the local environment's token. Ingesting the same
 * documents again overwrites them, so each check that needs the corpus may
 * ask for it; within one suite process it is sent once.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { CheckContext } from '../../checks/context.ts';
import { describeFetchError, excerpt } from '../../support/http.ts';
import type { GoldenQuestion } from './rag-metrics.ts';

export interface CorpusPage {
  /** The file name, relative to the corpus folder: how golden questions name their expected page. */
  file: string;
  title: string;
  text: string;
}

const goldenFile = z.array(
  z.strictObject({
    id: z.string().min(1),
    question: z.string().min(1),
    expectedPage: z.string().min(1),
    answerContains: z.array(z.string().min(1)).default([]),
  }),
);

export async function loadGolden(file: string): Promise<GoldenQuestion[]> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read the golden questions ${file}: ${(error as Error).message}`, { cause: error });
  }
  const parsed = goldenFile.safeParse(raw);
  if (!parsed.success) {
    throw new Error(
      `${file} is not a list of {id, question, expectedPage, answerContains}: ${z.prettifyError(parsed.error)}`,
    );
  }
  return parsed.data;
}

export async function loadCorpus(folder: string): Promise<CorpusPage[]> {
  const files = (await readdir(folder)).filter((name) => name.endsWith('.md')).sort();
  if (files.length === 0) throw new Error(`no .md files in the corpus folder ${folder}`);
  return Promise.all(
    files.map(async (file) => {
      const text = await readFile(path.join(folder, file), 'utf8');
      const heading = /^#\s+(.+)$/m.exec(text)?.[1]?.trim();
      return { file, title: heading ?? file.replace(/\.md$/, ''), text };
    }),
  );
}

/** Why the corpus cannot be ingested in this run, or undefined when it can. */
export function ingestionUnavailable(ctx: CheckContext): string | undefined {
  const documents = ctx.target.api.documents;
  if (!documents) return 'the target declares no ingestion route (target.api.documents is null)';
  if (ctx.kind !== 'local') {
    return 'needs --env=local: ingesting the corpus writes to the deployed collection and needs its admin token';
  }
  if (!ctx.local.environment[documents.tokenVariable]) {
    return `the local environment gives the target no ${documents.tokenVariable}, so nothing can be ingested`;
  }
  return undefined;
}

export interface Ingested {
  documents: number;
  chunks?: number;
  tookMs: number;
}

const ingestedByTarget = new Map<string, Promise<Ingested>>();

/** Sends the corpus once per target URL and process; a failure is not remembered (the next check tries again). */
export function ensureCorpusIngested(ctx: CheckContext, pages: readonly CorpusPage[]): Promise<Ingested> {
  const key = `${ctx.baseUrl} ${ctx.target.endToEnd.rag.corpus}`;
  let ingested = ingestedByTarget.get(key);
  if (!ingested) {
    ingested = ingestCorpus(ctx, pages);
    ingestedByTarget.set(key, ingested);
    ingested.catch(() => ingestedByTarget.delete(key));
  }
  return ingested;
}

export async function ingestCorpus(ctx: CheckContext, pages: readonly CorpusPage[]): Promise<Ingested> {
  const documents = ctx.target.api.documents;
  if (!documents) throw new Error('the target declares no ingestion route');
  const token = ctx.local.environment[documents.tokenVariable] ?? '';
  const started = performance.now();
  let response: Response;
  try {
    response = await fetch(`${ctx.baseUrl}${documents.path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        documents: pages.map((page) => ({ id: page.file, title: page.title, file_path: page.file, text: page.text })),
      }),
      // Embedding a corpus is the slowest call a check makes: a minute at most.
      signal: AbortSignal.any([AbortSignal.timeout(60_000), ctx.signal]),
    });
  } catch (error) {
    throw new Error(`ingesting the corpus through POST ${documents.path} failed: ${describeFetchError(error)}`, {
      cause: error,
    });
  }
  const text = await response.text();
  if (!response.ok) {
    throw new Error(`POST ${documents.path} answered ${response.status} to the corpus: ${excerpt(text, 200)}`);
  }
  let chunks: number | undefined;
  try {
    const body = JSON.parse(text) as { chunks?: unknown };
    if (typeof body.chunks === 'number') chunks = body.chunks;
  } catch {
    // The count is informative only.
  }
  return { documents: pages.length, ...(chunks === undefined ? {} : { chunks }), tookMs: performance.now() - started };
}

/** The pages an answer cites, best first, each once: from its citations when it has them, else its sources. */
export function citedPagesOf(body: unknown, sourcesField: string): string[] {
  const fields = (body ?? {}) as Record<string, unknown>;
  const pages: string[] = [];
  if (Array.isArray(fields.citations)) {
    for (const citation of fields.citations) {
      if (typeof citation !== 'object' || citation === null) continue;
      const { file_path: filePath, url, title } = citation as Record<string, unknown>;
      const name = [filePath, url, title].find((value): value is string => typeof value === 'string' && value !== '');
      if (name) pages.push(name);
    }
  }
  if (pages.length === 0 && Array.isArray(fields[sourcesField])) {
    for (const source of fields[sourcesField] as unknown[]) {
      if (typeof source === 'string') pages.push(source);
      else if (typeof source === 'object' && source !== null) pages.push(JSON.stringify(source));
    }
  }
  return [...new Set(pages)];
}
