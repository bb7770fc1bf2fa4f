import { loadCorpus as loadLoadCorpus, type LoadCorpus } from '../../src/load/corpus.ts';
import { progress } from '../../src/support/progress.ts';
import { BenchSetupError } from './environment.ts';

/** The first `pages` files of fixtures/corpus and the golden questions about them: the load suite's loader. */
export type BenchCorpus = LoadCorpus;

export async function loadCorpus(root: string, pages: number): Promise<BenchCorpus> {
  try {
    return await loadLoadCorpus(pages, root);
  } catch (error) {
    throw new BenchSetupError((error as Error).message);
  }
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
