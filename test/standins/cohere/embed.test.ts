import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Cohere } from 'cohere-ai';
import { contractProblems, cosine, startStandin, type RunningStandin } from './support.ts';

let standin: RunningStandin;
beforeAll(async () => {
  standin = await startStandin();
});
afterAll(async () => {
  await standin.close();
});
afterEach(() => {
  const problems = contractProblems(standin.exchanges);
  standin.exchanges.length = 0;
  expect(problems).toEqual([]);
});

const corpus = [
  'Railway injects the PORT environment variable; the server must listen on it.',
  'Postgres connections on Railway need sslmode=require because the certificate is self-signed.',
  'Qdrant stores vectors in collections and searches them by cosine similarity.',
  'The Dockerfile runs the app as a non-root user and copies only production dependencies.',
  'Bananas are rich in potassium and make a quick breakfast.',
  'The Eiffel Tower in Paris was completed in 1889 for the World Fair.',
  'Photosynthesis converts sunlight, water and carbon dioxide into glucose in plant leaves.',
  'A marathon covers 42.195 kilometres and runners train for months.',
  'Jupiter is the largest planet in the solar system and has dozens of moons.',
  'Sourdough bread rises slowly because wild yeast ferments the dough.',
];

describe('/v2/embed through CohereClientV2', () => {
  it('returns 1024 float dimensions for embed-english-v3.0, one vector per text, unit length', async () => {
    const response = await standin.v2.embed({
      model: 'embed-english-v3.0',
      inputType: 'search_document',
      texts: ['hello world', 'goodbye moon'],
      embeddingTypes: ['float'],
    });
    expect(response.embeddings.float).toHaveLength(2);
    for (const vector of response.embeddings.float!) {
      expect(vector).toHaveLength(1024);
      expect(Math.hypot(...vector)).toBeCloseTo(1, 6);
    }
    expect(response.texts).toEqual(['hello world', 'goodbye moon']);
    expect(response.meta?.apiVersion?.version).toBe('2');
  });

  it('returns 1024 dimensions for embed-multilingual-v3.0', async () => {
    const response = await standin.v2.embed({
      model: 'embed-multilingual-v3.0',
      inputType: 'search_query',
      texts: ['¿dónde está la estación?'],
    });
    expect(response.embeddings.float![0]).toHaveLength(1024);
  });

  it.each([256, 512, 1024, 1536])('honours output_dimension %i on embed-v4.0', async (dimension) => {
    const response = await standin.v2.embed({
      model: 'embed-v4.0',
      inputType: 'search_document',
      texts: ['dimension check'],
      outputDimension: dimension,
    });
    expect(response.embeddings.float![0]).toHaveLength(dimension);
  });

  it('defaults embed-v4.0 to 1536 dimensions', async () => {
    const response = await standin.v2.embed({ model: 'embed-v4.0', inputType: 'clustering', texts: ['x y z'] });
    expect(response.embeddings.float![0]).toHaveLength(1536);
  });

  it('is deterministic: the same text gives the same vector', async () => {
    const request = { model: 'embed-v4.0', inputType: 'search_document' as const, texts: ['Deploy to Railway'] };
    const first = await standin.v2.embed(request);
    const second = await standin.v2.embed(request);
    expect(second.embeddings.float).toEqual(first.embeddings.float);
  });

  it('puts texts that share words near each other and unrelated texts near 0', async () => {
    const response = await standin.v2.embed({
      model: 'embed-english-v3.0',
      inputType: 'search_document',
      texts: [
        'Deploying the backend to Railway with Docker',
        'Railway deployment of a Docker backend',
        'Bananas are rich in potassium',
      ],
    });
    const [a, b, c] = response.embeddings.float!;
    expect(cosine(a!, b!)).toBeGreaterThan(0.6);
    expect(Math.abs(cosine(a!, c!))).toBeLessThan(0.15);
  });

  it('makes search_query and search_document differ visibly, yet stay close', async () => {
    const text = ['How does Railway set the port?'];
    const query = await standin.v2.embed({ model: 'embed-english-v3.0', inputType: 'search_query', texts: text });
    const document = await standin.v2.embed({ model: 'embed-english-v3.0', inputType: 'search_document', texts: text });
    const similarity = cosine(query.embeddings.float![0]!, document.embeddings.float![0]!);
    expect(similarity).toBeLessThan(0.999);
    expect(similarity).toBeGreaterThan(0.9);
  });

  it('retrieves the right document for a paraphrased question by cosine', async () => {
    const documents = await standin.v2.embed({
      model: 'embed-english-v3.0',
      inputType: 'search_document',
      texts: corpus,
    });
    const questions: [string, number][] = [
      ['Which port should my server listen on when Railway runs it?', 0],
      ['Why does the Postgres connection require ssl?', 1],
      ['When was the tower in Paris completed?', 5],
      ['How do wild yeasts make bread rise?', 9],
    ];
    for (const [question, expected] of questions) {
      const query = await standin.v2.embed({
        model: 'embed-english-v3.0',
        inputType: 'search_query',
        texts: [question],
      });
      const scores = documents.embeddings.float!.map((vector) => cosine(query.embeddings.float![0]!, vector));
      const best = scores.indexOf(Math.max(...scores));
      expect(best, question).toBe(expected);
    }
  });

  it('records the input_type, model and text count of every call, never the token', async () => {
    standin.app.requests.clear();
    await standin.v2.embed({ model: 'embed-v4.0', inputType: 'search_query', texts: ['a question'] });
    await standin.v2.embed({ model: 'embed-v4.0', inputType: 'search_document', texts: ['one', 'two', 'three'] });
    const response = await standin.fetch(`${standin.baseUrl}/_standin/requests`);
    const { requests } = (await response.json()) as { requests: Record<string, unknown>[] };
    expect(requests).toMatchObject([
      { method: 'POST', path: '/v2/embed', model: 'embed-v4.0', input_type: 'search_query', texts: 1, status: 200 },
      { method: 'POST', path: '/v2/embed', model: 'embed-v4.0', input_type: 'search_document', texts: 3, status: 200 },
    ]);
    expect(JSON.stringify(requests)).not.toContain('standin-test-key');
    expect(Date.parse(String(requests[0]!.time))).toBeGreaterThan(Date.now() - 60_000);
  });

  it('refuses a v3 request without input_type with 400 BadRequestError', async () => {
    // CohereClientV2 refuses this before sending; the v1 client lets it through to the server.
    const error = await standin.v1
      .embed({ model: 'embed-english-v3.0', texts: ['x'] }, { maxRetries: 0 })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Cohere.BadRequestError);
    expect((error as Cohere.BadRequestError).body).toEqual({
      message: 'invalid request: input_type must be specified for embedding models v3 and higher.',
    });
  });

  it('answers an unknown model with 404 NotFoundError naming it', async () => {
    const error = await standin.v2
      .embed({ model: 'embed-nonexistent-v9', inputType: 'search_query', texts: ['x'] }, { maxRetries: 0 })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Cohere.NotFoundError);
    expect(JSON.stringify((error as Cohere.NotFoundError).body)).toContain("model 'embed-nonexistent-v9' not found");
  });

  it('answers int8 embeddings with 501 naming the type', async () => {
    const error = await standin.v2
      .embed(
        { model: 'embed-v4.0', inputType: 'search_query', texts: ['x'], embeddingTypes: ['int8'] },
        { maxRetries: 0 },
      )
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Cohere.NotImplementedError);
    expect(JSON.stringify((error as Cohere.NotImplementedError).body)).toContain("embedding_types 'int8'");
  });

  it('answers image embeddings with 501', async () => {
    const { status, body } = await standin.post('/v2/embed', {
      model: 'embed-v4.0',
      input_type: 'image',
      images: ['data:image/png;base64,iVBORw0KGgo='],
    });
    expect(status).toBe(501);
    expect(body.message).toMatch(/^Embedding images \(`images`\) is not supported by the Cohere stand-in/);
  });

  it('refuses output_dimension on a v3 model with 400', async () => {
    const { status, body } = await standin.post('/v2/embed', {
      model: 'embed-english-v3.0',
      input_type: 'search_query',
      texts: ['x'],
      output_dimension: 256,
    });
    expect(status).toBe(400);
    expect(body.message).toContain('output_dimension is only available for embed-v4.0');
  });

  it('truncates long input by default and refuses it with truncate NONE', async () => {
    const long = Array.from({ length: 600 }, (_, i) => `word${i}`).join(' ');
    const truncated = await standin.post('/v2/embed', {
      model: 'embed-english-v3.0',
      input_type: 'search_document',
      texts: [long],
    });
    expect(truncated.status).toBe(200);
    const refused = await standin.post('/v2/embed', {
      model: 'embed-english-v3.0',
      input_type: 'search_document',
      texts: [long],
      truncate: 'NONE',
    });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toContain('600 tokens, more than the maximum of 512');
  });
});

describe('/v1/embed through CohereClient', () => {
  it('answers a call without model with 501 rather than guessing a retired default', async () => {
    const { status, body } = await standin.post('/v1/embed', { input_type: 'search_query', texts: ['x'] });
    expect(status).toBe(501);
    expect(body.message).toContain('/v1/embed without `model`');
  });

  it('refuses more than 96 texts with 400', async () => {
    const texts = Array.from({ length: 97 }, (_, i) => `text ${i}`);
    const { status, body } = await standin.post('/v1/embed', { model: 'embed-v4.0', input_type: 'clustering', texts });
    expect(status).toBe(400);
    expect(body.message).toBe('invalid request: texts must contain between 1 and 96 items, got 97');
  });

  it('answers the embeddings_floats shape without embedding_types', async () => {
    const response = await standin.v1.embed({
      model: 'embed-english-v3.0',
      inputType: 'search_document',
      texts: ['legacy call'],
    });
    expect(response.responseType).toBe('embeddings_floats');
    if (response.responseType !== 'embeddings_floats') throw new Error('unreachable');
    expect(response.embeddings[0]).toHaveLength(1024);
  });

  it('answers the embeddings_by_type shape with embedding_types float, same vectors as v2', async () => {
    const v1 = await standin.v1.embed({
      model: 'embed-english-v3.0',
      inputType: 'search_query',
      texts: ['same text'],
      embeddingTypes: ['float'],
    });
    const v2 = await standin.v2.embed({ model: 'embed-english-v3.0', inputType: 'search_query', texts: ['same text'] });
    expect(v1.responseType).toBe('embeddings_by_type');
    if (v1.responseType !== 'embeddings_by_type') throw new Error('unreachable');
    expect(v1.embeddings.float).toEqual(v2.embeddings.float);
  });
});
