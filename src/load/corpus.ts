/**
 * What the load asks: the first pages of fixtures/corpus, ingested through the target's admin route as an
 * operator would, and the golden questions about those pages, so every query retrieves real chunks.
 * Shared by the load suite (5.2) and the benchmarks.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const harnessRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface GoldenQuestion {
  question: string;
  expectedPage: string;
}

export interface LoadCorpus {
  pages: { id: string; title: string; file_path: string; text: string }[];
  questions: string[];
}

export async function loadCorpus(pages: number, root = harnessRoot): Promise<LoadCorpus> {
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
  if (documents.length === 0 || questions.length === 0) throw new Error('no corpus pages or golden questions');
  return { pages: documents, questions };
}

/** POST <documentsPath> with the admin token; returns the chunk count, throws on anything but 200. */
export async function ingestCorpus(
  baseUrl: string,
  adminToken: string,
  corpus: LoadCorpus,
  documentsPath = '/api/v1/documents',
): Promise<number> {
  const response = await fetch(`${baseUrl}${documentsPath}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
    body: JSON.stringify({ documents: corpus.pages }),
    signal: AbortSignal.timeout(60_000),
  });
  const body = await response.text();
  if (response.status !== 200) throw new Error(`ingest answered ${response.status}: ${body.slice(0, 200)}`);
  return (JSON.parse(body) as { chunks?: number }).chunks ?? NaN;
}
