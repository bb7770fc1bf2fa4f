import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { progress } from '../../src/support/progress.ts';
import { BenchSetupError } from './environment.ts';

interface GoldenQuestion {
  id: string;
  question: string;
  expectedPage: string;
}

export interface BenchCorpus {
  pages: { id: string; title: string; file_path: string; text: string }[];
  /** Golden questions whose page is ingested, so every query retrieves chunks it is about. */
  questions: string[];
}

/** The first `pages` files of fixtures/corpus (sorted) and the golden questions about them. */
export async function loadCorpus(root: string, pages: number): Promise<BenchCorpus> {
  const folder = path.join(root, 'fixtures/corpus');
  const files = (await readdir(folder))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .slice(0, pages);
  const documents = await Promise.all(
    files.map(async (name) => {
      const text = await readFile(path.join(folder, name), 'utf8');
      const title = /^#[ \t]+(.+?)[ \t#]*$/m.exec(text)?.[1]?.trim() ?? name;
      return { id: name, title, file_path: name, text };
    }),
  );
  const golden = JSON.parse(await readFile(path.join(root, 'fixtures/golden.json'), 'utf8')) as GoldenQuestion[];
  const questions = golden.filter((entry) => files.includes(entry.expectedPage)).map((entry) => entry.question);
  if (documents.length === 0 || questions.length === 0) throw new BenchSetupError('no corpus pages or questions');
  return { pages: documents, questions };
}

/** Through the public admin route, as an operator would; fails the setup on anything but 200. */
export async function ingest(baseUrl: string, adminToken: string, corpus: BenchCorpus): Promise<number> {
  const response = await fetch(`${baseUrl}/api/v1/documents`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
    body: JSON.stringify({ documents: corpus.pages }),
    signal: AbortSignal.timeout(60_000),
  });
  const body = await response.text();
  if (response.status !== 200) throw new BenchSetupError(`ingest answered ${response.status}: ${body}`);
  const { chunks } = JSON.parse(body) as { chunks: number };
  progress(`ingested ${corpus.pages.length} pages, ${chunks} chunks`);
  return chunks;
}

/** One question before the load: a 200 with citations shows queries retrieve real chunks. */
export async function preflightQuery(baseUrl: string, question: string): Promise<void> {
  const response = await fetch(`${baseUrl}/api/v1/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: question }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = await response.text();
  if (response.status !== 200) throw new BenchSetupError(`a first query answered ${response.status}: ${body}`);
  const { citations } = JSON.parse(body) as { citations: unknown[] };
  if (citations.length === 0) throw new BenchSetupError('a first query retrieved no chunks; the ingest did not land');
}
