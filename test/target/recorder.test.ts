/**
 * The recording 5.3/no-canary-leak searches: every answer from a loopback
 * address reaches it through the worker's own fetch and WebSocket, whoever
 * called them, and the load engines' many answers are all searched but only
 * sampled on disk.
 */
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import {
  configureRecorder,
  readRecording,
  recordsAnswersFrom,
  sampleLoadFrame,
  sampleLoadResponse,
  settleRecordings,
} from '../../src/target/recorder.ts';

const canary = 'canary-cohere-7f3e9a21';
const secrets = [{ name: 'COHERE_API_KEY', value: canary }];

let dir: string;
let server: http.Server;
let sockets: WebSocketServer;
let base: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'shipshape-recording-'));
  server = http.createServer((request, response) => {
    if (request.url === '/leaky') response.setHeader('x-upstream-key', canary);
    response.setHeader('content-type', 'application/json');
    response.end(request.url === '/_standin/requests' ? JSON.stringify({ authorization: canary }) : '{"ok":true}');
  });
  sockets = new WebSocketServer({ server });
  sockets.on('connection', (socket) => socket.send(JSON.stringify({ type: 'error', detail: `key ${canary}` })));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  configureRecorder(undefined);
  sockets.close();
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

function recordTo(name: string, check: string): string {
  const file = path.join(dir, name, 'work', 'exchanges.jsonl');
  configureRecorder({ file, secrets, check });
  return file;
}

describe('the recording of what the run received', () => {
  it('takes every loopback answer a probe fetches, masked, with the check and the variable it leaked', async () => {
    const file = recordTo('fetch', '6.2/metrics-count-traffic');
    // A probe that reads only the status: the recording reads its own copy of the body.
    expect((await fetch(`${base}/leaky`)).status).toBe(200);
    expect(await (await fetch(`${base}/clean`, { method: 'POST', body: '{}' })).json()).toEqual({ ok: true });
    await settleRecordings();
    const entries = readRecording(file);
    expect(entries.map((entry) => [entry.where, entry.check, entry.leaked])).toEqual([
      ['GET /leaky -> 200', '6.2/metrics-count-traffic', ['COHERE_API_KEY']],
      ['POST /clean -> 200', '6.2/metrics-count-traffic', []],
    ]);
    expect(readFileSync(file, 'utf8')).not.toContain(canary);
  });

  it("leaves out a stand-in's control route, which reports the keys the backend sent it by design", async () => {
    const file = recordTo('standin', '5.1/rag-quality');
    await (await fetch(`${base}/_standin/requests`)).text();
    await settleRecordings();
    expect(readRecording(file)).toEqual([]);
    expect(recordsAnswersFrom('http://127.0.0.1:6333/collections')).toBe(true);
    expect(recordsAnswersFrom('https://chat.example.com/api/v1/query')).toBe(false);
  });

  it("takes every frame a probe's WebSocket receives", async () => {
    const file = recordTo('ws', '5.1/conversation-round-trip');
    const socket = new WebSocket(`${base.replace('http', 'ws')}/ws`);
    await new Promise((resolve) => socket.addEventListener('message', resolve, { once: true }));
    socket.close();
    await settleRecordings();
    expect(readRecording(file).map((entry) => [entry.kind, entry.where, entry.leaked])).toEqual([
      ['ws', 'ws /ws frame', ['COHERE_API_KEY']],
    ]);
  });

  it('searches every load answer, writes one of each status and every one that leaked, and counts the rest', async () => {
    const file = recordTo('load', '5.2/load-within-thresholds');
    for (let i = 0; i < 50; i++) sampleLoadResponse('POST', `${base}/api/v1/query`, 200, {}, '{"answer":"fine"}');
    sampleLoadResponse('POST', `${base}/api/v1/query`, 503, { 'x-debug': canary }, '{}');
    sampleLoadResponse('POST', `${base}/api/v1/query`, 200, {}, `{"answer":"${canary}"}`);
    await settleRecordings();
    const entries = readRecording(file);
    expect(entries.map((entry) => [entry.where, entry.leaked, entry.count])).toEqual([
      ['POST /api/v1/query -> 200', [], undefined],
      ['POST /api/v1/query -> 503', ['COHERE_API_KEY'], undefined],
      ['POST /api/v1/query -> 200', ['COHERE_API_KEY'], undefined],
      ['POST /api/v1/query -> 200', [], 49],
    ]);
    expect(readFileSync(file, 'utf8')).not.toContain(canary);
  });

  it("does the same with a WebSocket load's frames, by frame type", async () => {
    const file = recordTo('load-frames', '5.2/websocket-stability');
    const url = `${base.replace('http', 'ws')}/ws`;
    for (let i = 0; i < 20; i++) sampleLoadFrame(url, '{"type":"ping"}', 'ping');
    sampleLoadFrame(url, `{"type":"ping","debug":"${canary}"}`, 'ping');
    await settleRecordings();
    expect(readRecording(file).map((entry) => [entry.where, entry.leaked, entry.count])).toEqual([
      ['ws /ws frame', [], undefined],
      ['ws /ws frame', ['COHERE_API_KEY'], undefined],
      // The clean rest, counted under the frame type they were sampled by.
      ['ws /ws frame ping', [], 19],
    ]);
  });

  it('records nothing when no check configured it (a remote run)', async () => {
    configureRecorder(undefined);
    const file = path.join(dir, 'none', 'work', 'exchanges.jsonl');
    await (await fetch(`${base}/leaky`)).text();
    await settleRecordings();
    expect(readRecording(file)).toEqual([]);
  });
});
