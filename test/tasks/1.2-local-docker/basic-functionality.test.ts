/**
 * 1.2/query-answers and 1.2/websocket-answers against small servers on
 * 127.0.0.1 that answer the way broken targets do, and one that answers
 * correctly, in the reference profile's shapes and in a renamed shape.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { probeQueryAnswers, probeWebSocketAnswers } from '../../../src/tasks/1.2-local-docker/basic-functionality.ts';
import { profiles } from '../../../src/config/profiles.ts';
import { TargetClient } from '../../../src/target/client.ts';

const target = profiles.reference;
let server: Server | undefined;
let deleted: string[] = [];

async function serve(
  handle: (request: IncomingMessage, body: string, response: ServerResponse) => void,
  onSocket?: (socket: WebSocket) => void,
): Promise<string> {
  deleted = [];
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      if (request.method === 'DELETE') {
        deleted.push(request.url ?? '');
        response.writeHead(204).end();
        return;
      }
      handle(request, body, response);
    });
  });
  if (onSocket) new WebSocketServer({ server, path: '/ws' }).on('connection', onSocket);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

afterEach(async () => {
  if (!server) return;
  server.closeAllConnections();
  await new Promise((resolve) => server!.close(resolve));
  server = undefined;
});

describe('1.2/query-answers', () => {
  it('passes on an answer with sources, sent in the profile field names, and deletes the conversation', async () => {
    let received: unknown;
    const url = await serve((_request, body, response) => {
      received = JSON.parse(body);
      json(response, 200, { answer: 'Bind to 0.0.0.0.', sources: ['Ports'], conversation_id: 'c-1' });
    });
    const verdict = await probeQueryAnswers(new TargetClient(url, target, 2_000));
    expect(verdict).toMatchObject({ status: 'passed', message: expect.stringContaining('1 source(s)') });
    expect(received).toEqual({ query: 'What does this book cover?' });
    expect(deleted).toEqual(['/api/v1/conversations/c-1']);
  });

  it.each([
    [500, { error: { code: 'internal_error' } }, /answered 500/],
    [200, { answer: '', sources: [] }, /without a "answer" text/],
    [200, { answer: 'Sorry, an error occurred', sources: 'none' }, /without a "sources" list/],
    [200, { response: 'renamed field', sources: [] }, /without a "answer" text/],
  ])('fails on %i %j', async (status, body, message) => {
    const url = await serve((_request, _body, response) => json(response, status, body));
    const verdict = await probeQueryAnswers(new TargetClient(url, target, 2_000));
    expect(verdict.status).toBe('failed');
    expect(verdict.message).toMatch(message);
  });

  it('reads another backend in its own field names', async () => {
    const url = await serve((_request, body, response) => {
      const { question } = JSON.parse(body) as { question: string };
      json(response, 200, { text: `You asked: ${question}`, refs: [] });
    });
    const shaped = {
      ...target,
      query: { ...target.query, questionField: 'question', answerField: 'text', sourcesField: 'refs' },
    };
    expect(await probeQueryAnswers(new TargetClient(url, shaped, 2_000))).toMatchObject({ status: 'passed' });
  });

  it('fails when nothing answers', async () => {
    const verdict = await probeQueryAnswers(new TargetClient('http://127.0.0.1:9', target, 2_000));
    expect(verdict).toMatchObject({ status: 'failed', message: expect.stringContaining('got no answer') });
  });
});

describe('1.2/websocket-answers', () => {
  const httpNotUsed = (_request: IncomingMessage, _body: string, response: ServerResponse) => json(response, 404, {});

  it('passes on a response frame after keep-alives and deltas', async () => {
    const url = await serve(httpNotUsed, (socket) => {
      socket.on('message', (data) => {
        const frame = JSON.parse(String(data)) as { type: string; content: string };
        expect(frame).toEqual({ type: 'message', content: 'What does this book cover?' });
        socket.send(JSON.stringify({ type: 'keep-alive' }));
        socket.send(JSON.stringify({ type: 'delta', content: 'Bind' }));
        socket.send(JSON.stringify({ type: 'response', message: 'Bind to ::.', sources: ['Ports'] }));
      });
    });
    const verdict = await probeWebSocketAnswers(new TargetClient(url, target, 2_000));
    expect(verdict).toMatchObject({
      status: 'passed',
      message: expect.stringContaining('frames seen: keep-alive, delta, response'),
    });
  });

  it.each([
    ['a renamed final frame', { type: 'answer', message: 'x', sources: [] }, /no "response" frame within/],
    ['a response without its text', { type: 'response', sources: [] }, /has no "message" text/],
    ['a response without sources', { type: 'response', message: 'x' }, /has no "sources" list/],
  ])('fails on %s', async (_case, reply, message) => {
    const url = await serve(httpNotUsed, (socket) => socket.on('message', () => socket.send(JSON.stringify(reply))));
    const verdict = await probeWebSocketAnswers(new TargetClient(url, target, 1_000));
    expect(verdict.status).toBe('failed');
    expect(verdict.message).toMatch(message);
  });

  it('fails when the server closes the socket instead of answering', async () => {
    const url = await serve(httpNotUsed, (socket) => socket.on('message', () => socket.close(1011, 'boom')));
    const verdict = await probeWebSocketAnswers(new TargetClient(url, target, 2_000));
    expect(verdict).toMatchObject({
      status: 'failed',
      message: expect.stringContaining('closed the socket (code 1011'),
    });
  });

  it('fails when there is no WebSocket route', async () => {
    const url = await serve(httpNotUsed);
    const verdict = await probeWebSocketAnswers(new TargetClient(url, target, 2_000));
    expect(verdict).toMatchObject({ status: 'failed', message: expect.stringContaining('could not talk to /ws') });
  });
});
