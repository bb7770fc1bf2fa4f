import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Cohere } from 'cohere-ai';
import { contractProblems, startStandin, type RunningStandin } from './support.ts';

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

const model = 'command-a-03-2025';
const documents = [
  { id: 'ports', data: { title: 'Ports', snippet: 'Railway injects the PORT variable. The app must bind to it.' } },
  {
    id: 'ssl',
    data: { title: 'Postgres', snippet: 'Railway Postgres uses a self-signed certificate. Use sslmode=require.' },
  },
  { data: { title: 'Fruit', snippet: 'Bananas are yellow.' } },
];

function answerText(response: Cohere.V2ChatResponse): string {
  const block = response.message.content?.[0];
  if (block?.type !== 'text') throw new Error('no text block');
  return block.text;
}

describe('/v2/chat through CohereClientV2', () => {
  it('answers from the matching document sentences and cites them with exact offsets', async () => {
    const response = await standin.v2.chat({
      model,
      messages: [{ role: 'user', content: 'Which port variable does Railway inject for the app?' }],
      documents,
    });
    const text = answerText(response);
    expect(text.startsWith('Railway injects the PORT variable.')).toBe(true);
    expect(response.finishReason).toBe('COMPLETE');
    const citations = response.message.citations!;
    expect(citations.length).toBeGreaterThan(0);
    for (const citation of citations) {
      expect(text.slice(citation.start!, citation.end!)).toBe(citation.text);
      expect(citation.type).toBe('TEXT_CONTENT');
    }
    expect(citations[0]!.sources).toEqual([
      {
        type: 'document',
        id: 'ports',
        document: {
          id: 'ports',
          title: 'Ports',
          snippet: 'Railway injects the PORT variable. The app must bind to it.',
        },
      },
    ]);
    expect(text).not.toContain('Bananas');
  });

  it('takes string documents and numbers them doc:N', async () => {
    const response = await standin.v2.chat({
      model,
      messages: [{ role: 'user', content: 'What colour are bananas?' }],
      documents: ['Apples are red.', 'Bananas are yellow.'],
    });
    expect(answerText(response)).toBe('Bananas are yellow.');
    expect(response.message.citations).toEqual([
      {
        start: 0,
        end: 19,
        text: 'Bananas are yellow.',
        sources: [{ type: 'document', id: 'doc:1', document: { id: 'doc:1', text: 'Bananas are yellow.' } }],
        type: 'TEXT_CONTENT',
      },
    ]);
  });

  it('answers the last user message of a conversation', async () => {
    const response = await standin.v2.chat({
      model,
      messages: [
        { role: 'system', content: 'Answer briefly.' },
        { role: 'user', content: 'What colour are bananas?' },
        { role: 'assistant', content: 'Bananas are yellow.' },
        { role: 'user', content: [{ type: 'text', text: 'And what certificate does Railway Postgres use?' }] },
      ],
      documents,
    });
    expect(answerText(response)).toContain('Railway Postgres uses a self-signed certificate.');
    expect(response.message.citations![0]!.sources![0]).toMatchObject({ id: 'ssl' });
  });

  it('answers plainly without citations when there are no documents', async () => {
    const response = await standin.v2.chat({ model, messages: [{ role: 'user', content: 'Hello there?' }] });
    expect(answerText(response)).toBe(
      'The Cohere stand-in answers only from documents given with the request, and none were given for: "Hello there?"',
    );
    expect(response.message.citations).toBeUndefined();
  });

  it('says the documents hold no answer when nothing overlaps', async () => {
    const response = await standin.v2.chat({
      model,
      messages: [{ role: 'user', content: 'Who won the chess olympiad?' }],
      documents: ['Bananas are yellow.'],
    });
    expect(answerText(response)).toBe('The provided documents do not contain an answer to this question.');
    expect(response.message.citations).toBeUndefined();
  });

  it('is deterministic', async () => {
    const request = { model, messages: [{ role: 'user' as const, content: 'railway port app' }], documents };
    const first = await standin.v2.chat(request);
    const second = await standin.v2.chat(request);
    expect(second.message).toEqual(first.message);
  });

  it('leaves citations out when citation_options.mode is OFF', async () => {
    const response = await standin.v2.chat({
      model,
      messages: [{ role: 'user', content: 'What colour are bananas?' }],
      documents: ['Bananas are yellow.'],
      citationOptions: { mode: 'OFF' },
    });
    expect(answerText(response)).toBe('Bananas are yellow.');
    expect(response.message.citations).toBeUndefined();
  });

  it('stops at max_tokens with finish_reason MAX_TOKENS and clips citations', async () => {
    const response = await standin.v2.chat({
      model,
      messages: [{ role: 'user', content: 'Which port variable does Railway inject?' }],
      documents,
      maxTokens: 3,
    });
    expect(answerText(response)).toBe('Railway injects the');
    expect(response.finishReason).toBe('MAX_TOKENS');
    expect(response.message.citations![0]).toMatchObject({ start: 0, end: 19, text: 'Railway injects the' });
    expect(response.usage?.billedUnits?.outputTokens).toBe(3);
  });

  it('stops before a stop sequence with finish_reason STOP_SEQUENCE', async () => {
    const response = await standin.v2.chat({
      model,
      messages: [{ role: 'user', content: 'What colour are bananas?' }],
      documents: ['Bananas are yellow.'],
      stopSequences: [' yellow'],
    });
    expect(answerText(response)).toBe('Bananas are');
    expect(response.finishReason).toBe('STOP_SEQUENCE');
    expect(response.message.citations![0]).toMatchObject({ start: 0, end: 11, text: 'Bananas are' });
  });

  it('answers tools with 501 NotImplementedError naming them', async () => {
    const error = await standin.v2
      .chat(
        {
          model,
          messages: [{ role: 'user', content: 'weather?' }],
          tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object' } } }],
        },
        { maxRetries: 0 },
      )
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Cohere.NotImplementedError);
    expect((error as Cohere.NotImplementedError).statusCode).toBe(501);
    expect(JSON.stringify((error as Cohere.NotImplementedError).body)).toContain('Tool use (`tools`)');
  });

  it('answers a JSON response_format with 501', async () => {
    const { status, body } = await standin.post('/v2/chat', {
      model,
      messages: [{ role: 'user', content: 'json please' }],
      response_format: { type: 'json_object' },
    });
    expect(status).toBe(501);
    expect(body.message).toContain('response_format type "json_object"');
  });

  it('answers an unknown model with 404 and an embed model with 400', async () => {
    const unknown = await standin.post('/v2/chat', { model: 'command-x', messages: [{ role: 'user', content: 'hi' }] });
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toContain("model 'command-x' not found");
    const wrongKind = await standin.post('/v2/chat', {
      model: 'embed-v4.0',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(wrongKind.status).toBe(400);
    expect(wrongKind.body.message).toBe("invalid request: model 'embed-v4.0' does not support chat");
  });

  it('refuses a temperature outside 0..1 with 400 BadRequestError', async () => {
    const error = await standin.v2
      .chat({ model, messages: [{ role: 'user', content: 'hi' }], temperature: 1.5 }, { maxRetries: 0 })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Cohere.BadRequestError);
    expect((error as Cohere.BadRequestError).body).toEqual({
      message: 'invalid request: temperature must be a number between 0 and 1',
    });
  });

  it('refuses messages without a user message with 400', async () => {
    const { status, body } = await standin.post('/v2/chat', {
      model,
      messages: [{ role: 'system', content: 'be nice' }],
    });
    expect(status).toBe(400);
    expect(body).toEqual({ message: 'invalid request: messages must contain at least one user message' });
  });
});

describe('/v1/chat through CohereClient', () => {
  it('answers with citations, cited documents and chat history', async () => {
    const response = await standin.v1.chat({
      model,
      message: 'What certificate does Railway Postgres use?',
      documents: [
        { id: 'ssl', title: 'Postgres', text: 'Railway Postgres uses a self-signed certificate. Use sslmode=require.' },
        { title: 'Fruit', text: 'Bananas are yellow.' },
      ],
    });
    expect(response.text).toBe('Railway Postgres uses a self-signed certificate. Use sslmode=require.');
    expect(response.citations).toEqual([
      {
        start: 0,
        end: 48,
        text: 'Railway Postgres uses a self-signed certificate.',
        documentIds: ['ssl'],
        type: 'TEXT_CONTENT',
      },
      { start: 49, end: 69, text: 'Use sslmode=require.', documentIds: ['ssl'], type: 'TEXT_CONTENT' },
    ]);
    expect(response.documents).toEqual([
      { id: 'ssl', title: 'Postgres', text: 'Railway Postgres uses a self-signed certificate. Use sslmode=require.' },
    ]);
    expect(response.chatHistory?.map((message) => message.role)).toEqual(['USER', 'CHATBOT']);
    expect(response.meta?.apiVersion?.version).toBe('1');
  });

  it('numbers documents without an id doc_N', async () => {
    const response = await standin.v1.chat({
      model,
      message: 'bananas colour',
      documents: [{ text: 'Bananas are yellow.' }],
    });
    expect(response.citations?.[0]?.documentIds).toEqual(['doc_0']);
  });

  it('answers connectors with 501', async () => {
    const error = await standin.v1
      .chat({ model, message: 'search the web', connectors: [{ id: 'web-search' }] }, { maxRetries: 0 })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Cohere.NotImplementedError);
    expect(JSON.stringify((error as Cohere.NotImplementedError).body)).toContain('`connectors` on /v1/chat');
  });
});
