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

const model = 'command-r-plus-08-2024';
const documents = [
  { id: 'ports', data: { text: 'Railway injects the PORT variable. The app must listen on that port.' } },
  { id: 'health', data: { text: 'The healthcheck needs HTTP 200 from the app within 300 seconds.' } },
  'Bananas are yellow.',
];
const messages = [
  { role: 'user' as const, content: 'Which port must the app listen on, and what does the healthcheck need?' },
];

describe('/v2/chat streaming through CohereClientV2.chatStream', () => {
  it('sends the documented event sequence, and the deltas add up to the non-streaming answer', async () => {
    const whole = await standin.v2.chat({ model, messages, documents });
    const stream = await standin.v2.chatStream({ model, messages, documents });
    const types: string[] = [];
    let text = '';
    const citations: Cohere.Citation[] = [];
    let finishReason: string | undefined;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'content-delta') text += event.delta?.message?.content?.text ?? '';
      if (event.type === 'citation-start') citations.push(event.delta!.message!.citations!);
      if (event.type === 'message-end') finishReason = event.delta?.finishReason;
    }
    const block = whole.message.content![0]!;
    expect(block.type === 'text' && block.text).toBe(text);
    expect(text.length).toBeGreaterThan(20);
    expect(citations).toEqual(whole.message.citations);
    expect(finishReason).toBe('COMPLETE');
    // message-start, content-start, deltas with citation pairs, content-end, message-end.
    expect(types[0]).toBe('message-start');
    expect(types[1]).toBe('content-start');
    expect(types.slice(-2)).toEqual(['content-end', 'message-end']);
    const middle = new Set(types.slice(2, -2));
    expect([...middle].sort()).toEqual(['citation-end', 'citation-start', 'content-delta']);
    const starts = types.flatMap((type, index) => (type === 'citation-start' ? [index] : []));
    expect(starts.length).toBe(whole.message.citations!.length);
    for (const start of starts) expect(types[start + 1]).toBe('citation-end');
  });

  it('frames events as event:/data: pairs ending with data: [DONE]', async () => {
    const response = await standin.fetch(`${standin.baseUrl}/v2/chat`, {
      method: 'POST',
      headers: { authorization: 'Bearer standin-test-key', 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'bananas?' }], documents, stream: true }),
    });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const raw = await response.text();
    expect(raw.startsWith('event: message-start\ndata: {')).toBe(true);
    expect(raw.endsWith('\n\ndata: [DONE]\n\n')).toBe(true);
    const exchange = standin.exchanges.at(-1)!;
    expect(exchange.events!.map((event) => event.type)).toEqual([
      'message-start',
      'content-start',
      'content-delta',
      'content-delta',
      'content-delta',
      'citation-start',
      'citation-end',
      'content-end',
      'message-end',
    ]);
    expect(exchange.events![5]).toMatchObject({
      index: 0,
      delta: { message: { citations: { start: 0, end: 19, text: 'Bananas are yellow.' } } },
    });
  });

  it('streams a plain answer with no citation events when there are no documents', async () => {
    const stream = await standin.v2.chatStream({ model, messages: [{ role: 'user', content: 'Hi?' }] });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types).not.toContain('citation-start');
    expect(types.filter((type) => type === 'content-delta').length).toBeGreaterThan(3);
  });

  it('fails a streamed request for an unknown model with NotFoundError before any event', async () => {
    const error = await standin.v2
      .chatStream({ model: 'command-zzz', messages }, { maxRetries: 0 })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Cohere.NotFoundError);
  });
});

describe('/v1/chat streaming through CohereClient.chatStream', () => {
  it('sends stream-start, text-generation, citation-generation and stream-end with the whole response', async () => {
    const request = {
      model,
      message: 'Which port must the app listen on?',
      documents: [{ id: 'ports', text: 'Railway injects the PORT variable. The app must listen on that port.' }],
    };
    const whole = await standin.v1.chat(request);
    const stream = await standin.v1.chatStream(request);
    const types: string[] = [];
    let text = '';
    let end: Cohere.StreamedChatResponse | undefined;
    for await (const event of stream) {
      types.push(event.eventType);
      if (event.eventType === 'text-generation') text += event.text;
      if (event.eventType === 'stream-end') end = event;
    }
    expect(text).toBe(whole.text);
    expect(types[0]).toBe('stream-start');
    expect(types.at(-1)).toBe('stream-end');
    expect(types).toContain('citation-generation');
    expect(end?.eventType === 'stream-end' && end.response.citations).toEqual(whole.citations);
  });
});
