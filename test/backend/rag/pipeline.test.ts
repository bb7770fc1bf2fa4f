import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CollectionDimensionError } from '../../../backend/src/rag/qdrant.ts';
import { chunkId } from '../../../backend/src/rag/ids.ts';
import { emptyKnowledgeBaseAnswer } from '../../../backend/src/rag/pipeline.ts';
import {
  allPoints,
  corpus,
  pipelineFor,
  startCohere,
  startQdrant,
  type RunningCohere,
  type RunningQdrant,
} from './support.ts';

let qdrant: RunningQdrant;
let cohere: RunningCohere;
beforeAll(async () => {
  [qdrant, cohere] = await Promise.all([startQdrant(), startCohere()]);
});
afterAll(async () => {
  await Promise.all([qdrant.close(), cohere.close()]);
});
beforeEach(() => {
  cohere.reset();
  qdrant.calls.length = 0;
});

describe('ingestion', () => {
  it('upserts chunks with their payload into the configured collection, embedded as search_document', async () => {
    const pipeline = pipelineFor(qdrant, cohere, 'book_ingest');
    const progress: [number, number][] = [];
    const result = await pipeline.ingest(corpus, (done, total) => progress.push([done, total]));

    expect(result).toEqual({ documents: 3, chunks: 3 });
    expect(progress).toEqual([
      [0, 3],
      [3, 3],
    ]);
    const info = await qdrant.client.getCollection('book_ingest');
    expect(info.config.params.vectors).toMatchObject({ size: 1024, distance: 'Cosine' });
    const points = await allPoints(qdrant.client, 'book_ingest');
    expect(
      points.map((point) => point.payload).sort((a, b) => String(a!.title).localeCompare(String(b!.title))),
    ).toEqual([
      {
        text: corpus[0]!.text,
        title: 'Lighthouses',
        file_path: 'lighthouses.md',
        url: 'https://book.example/lighthouses.md',
        document_id: 'lighthouses.md',
        chunk_index: 0,
      },
      {
        text: corpus[2]!.text,
        title: 'Orbits',
        file_path: 'space/orbits.md',
        url: 'https://book.example/space/orbits.md',
        document_id: 'space/orbits.md',
        chunk_index: 0,
      },
      {
        text: corpus[1]!.text,
        title: 'Sourdough',
        file_path: 'baking/sourdough.md',
        url: 'https://book.example/baking/sourdough.md',
        document_id: 'baking/sourdough.md',
        chunk_index: 0,
      },
    ]);
    expect(points.map((point) => point.id).sort()).toEqual(
      ['lighthouses.md', 'baking/sourdough.md', 'space/orbits.md'].map((id) => chunkId(id, 0)).sort(),
    );
    const embeds = cohere.requests().filter((request) => request.path === '/v2/embed');
    expect(embeds).toEqual([
      expect.objectContaining({ input_type: 'search_document', model: 'embed-english-v3.0', texts: 3, status: 200 }),
    ]);
    expect(qdrant.calls).toContain('PUT /collections/book_ingest');
    expect(qdrant.calls).toContain('PUT /collections/book_ingest/points');
    expect(qdrant.calls.every((call) => call.includes('/collections/book_ingest'))).toBe(true);
  });

  it('batches embeddings by 96 texts and reports progress per batch', async () => {
    const pipeline = pipelineFor(qdrant, cohere, 'book_batches', { RAG_CHUNK_SIZE: '100', RAG_CHUNK_OVERLAP: '0' });
    const text = Array.from({ length: 200 }, (_, i) => `Line number ${i} of the long chapter text.`).join('\n\n');
    const progress: number[] = [];
    const result = await pipeline.ingest([{ title: 'Long', file_path: 'long.md', text }], (done) =>
      progress.push(done),
    );

    expect(result).toEqual({ documents: 1, chunks: 100 });
    expect(progress).toEqual([0, 96, 100]);
    expect(cohere.requests().map((request) => request.texts)).toEqual([96, 4]);
    expect((await qdrant.client.count('book_batches')).count).toBe(100);
  });

  it('re-ingesting a document replaces its chunks instead of adding copies, and drops chunks it no longer has', async () => {
    const pipeline = pipelineFor(qdrant, cohere, 'book_reingest', { RAG_CHUNK_SIZE: '100', RAG_CHUNK_OVERLAP: '0' });
    const long = Array.from({ length: 6 }, (_, i) => `Paragraph ${i} of the chapter about tides and moons.`).join(
      '\n\n',
    );
    const document = { title: 'Tides', file_path: 'tides.md', text: long };
    // Tides: three chunks of two paragraphs; Sourdough: two chunks.
    expect(await pipeline.ingest([document, corpus[1]!])).toEqual({ documents: 2, chunks: 5 });
    expect(await pipeline.ingest([document, corpus[1]!])).toEqual({ documents: 2, chunks: 5 });
    expect((await qdrant.client.count('book_reingest')).count).toBe(5);

    // The chapter shrank to one chunk: its other chunks go, the other document's stay.
    await pipeline.ingest([{ ...document, text: 'Tides follow the moon.' }]);
    const points = await allPoints(qdrant.client, 'book_reingest');
    expect(points.map((point) => [point.payload!.document_id, point.payload!.chunk_index]).sort()).toEqual([
      ['baking/sourdough.md', 0],
      ['baking/sourdough.md', 1],
      ['tides.md', 0],
    ]);
    expect(points.find((point) => point.payload!.document_id === 'tides.md')!.payload!.text).toBe(
      'Tides follow the moon.',
    );
  });

  it("creates a missing collection with the embedding model's dimension", async () => {
    await pipelineFor(qdrant, cohere, 'book_light', { COHERE_EMBED_MODEL: 'embed-english-light-v3.0' }).ingest(corpus);
    await pipelineFor(qdrant, cohere, 'book_v4', {
      COHERE_EMBED_MODEL: 'embed-v4.0',
      COHERE_EMBED_DIMENSION: '512',
    }).ingest(corpus);
    expect((await qdrant.client.getCollection('book_light')).config.params.vectors).toMatchObject({ size: 384 });
    expect((await qdrant.client.getCollection('book_v4')).config.params.vectors).toMatchObject({ size: 512 });
    expect(cohere.bodies.map((entry) => [entry.body.model, entry.body.output_dimension])).toEqual([
      ['embed-english-light-v3.0', undefined],
      ['embed-v4.0', 512],
    ]);
  });

  it('refuses a collection of another size, naming the collection, both sizes and the model, before embedding', async () => {
    await qdrant.client.createCollection('book_mismatch', { vectors: { size: 1024, distance: 'Cosine' } });
    const pipeline = pipelineFor(qdrant, cohere, 'book_mismatch', { COHERE_EMBED_MODEL: 'embed-english-light-v3.0' });
    const failure = await pipeline.ingest(corpus).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(CollectionDimensionError);
    expect((failure as Error).message).toBe(
      "Qdrant collection 'book_mismatch' holds vectors of size 1024, but the embedding model embed-english-light-v3.0 " +
        'produces 384: use another QDRANT_COLLECTION, or delete the collection and ingest again',
    );
    expect(cohere.requests()).toEqual([]);
    expect((await qdrant.client.count('book_mismatch')).count).toBe(0);
  });
});

describe('answers', () => {
  beforeAll(async () => {
    await pipelineFor(qdrant, cohere, 'book_answers').ingest(corpus);
  });

  it('embeds the question as search_query, searches the configured collection and cites the document holding the answer', async () => {
    const pipeline = pipelineFor(qdrant, cohere, 'book_answers');
    const answer = await pipeline.answer({ query: 'Why did the lighthouse keeper trim the lamp wick?' });

    expect(answer.answer).toBe(
      'A lighthouse keeper trimmed the lamp wick every evening before sunset. ' +
        'Fresnel lenses bent the lamp light into a beam visible for twenty miles.',
    );
    expect(answer.citations).toHaveLength(1);
    expect(answer.citations[0]).toMatchObject({
      title: 'Lighthouses',
      url: 'https://book.example/lighthouses.md',
      file_path: 'lighthouses.md',
      snippet: corpus[0]!.text.replace(/\s+/g, ' '),
    });
    expect(answer.citations[0]!.score).toBeGreaterThan(0.1);
    expect(answer.citations[0]!.score).toBeLessThanOrEqual(1);
    expect(answer.sources).toEqual(['Lighthouses (https://book.example/lighthouses.md)']);

    const requests = cohere.requests();
    expect(requests.map((request) => [request.path, request.input_type, request.documents])).toEqual([
      ['/v2/embed', 'search_query', undefined],
      ['/v2/chat', undefined, 3],
    ]);
    expect(requests[1]).toMatchObject({ model: 'command-a-03-2025', stream: false, status: 200 });
    expect(qdrant.calls).toEqual(['POST /collections/book_answers/points/query']);
  });

  it('sends the retrieved chunks as documents, best first', async () => {
    const pipeline = pipelineFor(qdrant, cohere, 'book_answers', { RAG_TOP_K: '2' });
    await pipeline.answer({ query: 'How is a sourdough starter fed with flour?' });
    const chat = cohere.bodies.find((entry) => entry.path === '/v2/chat')!.body;
    const documents = chat.documents as { id: string; data: { title: string } }[];
    expect(documents.map((document) => [document.id, document.data.title])).toEqual([
      ['chunk-0', 'Sourdough'],
      ['chunk-1', expect.any(String)],
    ]);
    expect(chat.messages).toEqual([
      { role: 'system', content: expect.stringContaining('using only the provided documents') },
      { role: 'user', content: 'How is a sourdough starter fed with flour?' },
    ]);
  });

  it('narrows the question to the selected text, for the model and for retrieval', async () => {
    const pipeline = pipelineFor(qdrant, cohere, 'book_answers');
    const selected = 'Geostationary satellites circle the equator once per day.';
    const answer = await pipeline.answer({ query: 'What does this mean?', selectedText: selected });

    const chat = cohere.bodies.find((entry) => entry.path === '/v2/chat')!.body;
    expect((chat.messages as { content: string }[]).at(-1)).toEqual({
      role: 'user',
      content: `Regarding this passage: ${selected}\n\nQuestion: What does this mean?`,
    });
    const embed = cohere.bodies.find((entry) => entry.path === '/v2/embed')!.body;
    expect(embed.texts).toEqual([`What does this mean?\n\n${selected}`]);
    expect(embed.input_type).toBe('search_query');
    expect(answer.citations[0]!.file_path).toBe('space/orbits.md');
    expect(answer.answer).toContain('Geostationary satellites circle the equator once per day.');
  });

  it('streams: the deltas concatenate to the answer, and citations match the non-streamed answer', async () => {
    const pipeline = pipelineFor(qdrant, cohere, 'book_answers');
    const query = 'How does wild yeast ferment the sourdough?';
    const deltas: string[] = [];
    const streamed = await pipeline.answer({ query }, { onDelta: (text) => deltas.push(text) });
    const whole = await pipeline.answer({ query });

    expect(deltas.length).toBeGreaterThan(5);
    expect(deltas.join('')).toBe(streamed.answer);
    expect(streamed).toEqual(whole);
    expect(streamed.citations.map((citation) => citation.file_path)).toEqual(['baking/sourdough.md']);
    expect(
      cohere
        .requests()
        .filter((request) => request.path === '/v2/chat')
        .map((request) => request.stream),
    ).toEqual([true, false]);
  });

  it('falls back to the best retrieved chunks when the model cites nothing', async () => {
    const pipeline = pipelineFor(qdrant, cohere, 'book_answers', { RAG_TOP_K: '3' });
    const answer = await pipeline.answer({ query: 'lighthouse zebra' });
    // The stand-in cites only sentences sharing a word with the question; "zebra" and the title share none.
    expect(answer.citations[0]!.file_path).toBe('lighthouses.md');
    expect(answer.sources[0]).toBe('Lighthouses (https://book.example/lighthouses.md)');
  });

  it('answers plainly, without calling the model, when nothing has been ingested', async () => {
    const pipeline = pipelineFor(qdrant, cohere, 'book_never_ingested');
    const deltas: string[] = [];
    const answer = await pipeline.answer({ query: 'Anything?' }, { onDelta: (text) => deltas.push(text) });
    expect(answer).toEqual({ answer: emptyKnowledgeBaseAnswer, sources: [], citations: [] });
    expect(deltas).toEqual([emptyKnowledgeBaseAnswer]);
    expect(cohere.requests().map((request) => request.path)).toEqual(['/v2/embed']);
  });
});
