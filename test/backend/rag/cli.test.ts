import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  allPoints,
  cohereKey,
  environment,
  qdrantKey,
  startCohere,
  startQdrant,
  type RunningCohere,
  type RunningQdrant,
} from './support.ts';

const cli = fileURLToPath(new URL('../../../backend/src/cli/ingest.ts', import.meta.url));
const run = promisify(execFile);

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function ingest(args: string[], env: NodeJS.ProcessEnv): Promise<Outcome> {
  // Only what the CLI needs: the test runner's own environment must not leak in (or fill a missing variable).
  const childEnv = { PATH: process.env.PATH, ...env };
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], { env: childEnv, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

let qdrant: RunningQdrant;
let cohere: RunningCohere;
let folder: string;

beforeAll(async () => {
  [qdrant, cohere] = await Promise.all([startQdrant(), startCohere()]);
  folder = await mkdtemp(path.join(tmpdir(), 'rag-ingest-'));
  await mkdir(path.join(folder, 'part one'), { recursive: true });
  await writeFile(
    path.join(folder, 'intro.md'),
    '# Introduction\n\nThis book is about lighthouses and their keepers.\n',
  );
  await writeFile(
    path.join(folder, 'part one', 'lamps.md'),
    'Lamps burned whale oil before kerosene.\n\n## Wicks\n\nKeepers trimmed the wick every evening.\n',
  );
  await writeFile(path.join(folder, 'notes.txt'), 'not markdown, not ingested');
});
afterAll(async () => {
  await Promise.all([qdrant.close(), cohere.close(), rm(folder, { recursive: true, force: true })]);
});

describe('ingest CLI', () => {
  it('ingests a folder of markdown, printing progress, and exits 0', async () => {
    const outcome = await ingest(
      [folder],
      environment(qdrant, cohere, 'cli_book', { DOCS_BASE_URL: 'https://book.example/docs/' }),
    );

    expect(outcome.stderr).toContain('ingest: 2 documents from');
    expect(outcome.stderr).toContain('into collection cli_book');
    expect(outcome.stderr).toContain('ingest: 0/2 chunks\ningest: 2/2 chunks\n');
    expect(outcome.stdout).toBe('ingested 2 documents, 2 chunks\n');
    expect(outcome.code).toBe(0);
    const payloads = (await allPoints(qdrant.client, 'cli_book')).map((point) => point.payload);
    expect(payloads.map((payload) => [payload!.title, payload!.file_path, payload!.url]).sort()).toEqual([
      ['Introduction', 'intro.md', 'https://book.example/docs/intro.md'],
      ['lamps', 'part one/lamps.md', 'https://book.example/docs/part%20one/lamps.md'],
    ]);
    expect(cohere.requests().map((request) => [request.path, request.input_type, request.texts])).toEqual([
      ['/v2/embed', 'search_document', 2],
    ]);
    for (const secret of [cohereKey, qdrantKey]) expect(outcome.stderr + outcome.stdout).not.toContain(secret);
  });

  it('exits non-zero naming a missing variable, without printing any secret', async () => {
    const env = environment(qdrant, cohere, 'cli_missing');
    delete env.COHERE_API_KEY;
    const outcome = await ingest([folder], env);

    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toBe('ingest: invalid environment: COHERE_API_KEY is required but not set\n');
    expect(outcome.stderr).not.toContain(qdrantKey);
    expect(await qdrant.client.collectionExists('cli_missing')).toEqual({ exists: false });
  });

  it('exits non-zero with a usage line when no folder is given, and names an unusable one', async () => {
    const env = environment(qdrant, cohere, 'cli_usage');
    expect(await ingest([], env)).toEqual({
      code: 1,
      stdout: '',
      stderr: 'ingest: usage: node src/cli/ingest.ts <folder of markdown>\n',
    });
    const missing = path.join(folder, 'nope');
    expect((await ingest([missing], env)).stderr).toBe(`ingest: ${missing} is not a folder\n`);
  });

  it('exits non-zero naming the dependency when Cohere fails', async () => {
    cohere.fault({ path: '/v2/embed', status: 401 });
    const outcome = await ingest([folder], environment(qdrant, cohere, 'cli_failing'));
    cohere.reset();
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toContain('ingest: cohere: embed answered 401: the API key was refused (upstream_error)\n');
  });
});
