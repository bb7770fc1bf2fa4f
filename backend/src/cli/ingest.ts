/**
 * Ingests a folder of markdown into Qdrant: `node src/cli/ingest.ts <folder>`
 * (`npm run ingest -- <folder>`). Reads the same variables as the server;
 * progress goes to stderr so stdout stays clean for the final summary.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../config-error.ts';
import { UpstreamError } from '../contracts.ts';
import { readMarkdownFolder } from '../rag/markdown.ts';
import { createRagPipeline } from '../rag/pipeline.ts';
import { CollectionDimensionError } from '../rag/qdrant.ts';
import { ragSettings } from '../rag/settings.ts';

function fail(message: string): never {
  process.stderr.write(`ingest: ${message}\n`);
  process.exit(1);
}

async function main(argv: string[]): Promise<void> {
  const folder = argv[0];
  if (!folder || argv.length > 1) fail('usage: node src/cli/ingest.ts <folder of markdown>');
  const isFolder = await stat(folder).then(
    (info) => info.isDirectory(),
    () => false,
  );
  if (!isFolder) fail(`${folder} is not a folder`);

  const settings = ragSettings();
  const documents = await readMarkdownFolder(path.resolve(folder), settings.DOCS_BASE_URL);
  if (documents.length === 0) fail(`no .md files under ${folder}`);
  process.stderr.write(
    `ingest: ${documents.length} documents from ${folder} into collection ${settings.QDRANT_COLLECTION}\n`,
  );

  const pipeline = createRagPipeline(settings);
  const result = await pipeline.ingest(documents, (done, total) => {
    process.stderr.write(`ingest: ${done}/${total} chunks\n`);
  });
  process.stdout.write(`ingested ${result.documents} documents, ${result.chunks} chunks\n`);
}

try {
  await main(process.argv.slice(2));
} catch (error) {
  // Known failures carry messages written for the operator (and free of secrets); anything else is a bug.
  if (error instanceof ConfigError || error instanceof CollectionDimensionError) fail(error.message);
  if (error instanceof UpstreamError) fail(`${error.message} (${error.code})`);
  fail(`unexpected failure: ${error instanceof Error ? error.message : String(error)}`);
}
