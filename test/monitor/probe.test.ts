/**
 * The monitor against targets that misbehave, all on 127.0.0.1 (and one name
 * under .invalid, which never resolves): one that accepts and never answers,
 * one that stalls its body, a closed port, a self-signed certificate.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probe } from '../../src/monitor/probe.ts';

const servers: (http.Server | https.Server)[] = [];

async function listen(server: http.Server | https.Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

let hanging: number;
let stalling: number;
let closedPort: number;
let selfSigned: number;

beforeAll(async () => {
  hanging = await listen(http.createServer(() => undefined));
  stalling = await listen(
    http.createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"status":');
    }),
  );
  const spare = http.createServer();
  closedPort = await listen(spare);
  await new Promise<void>((resolve) => spare.close(() => resolve()));
  servers.splice(servers.indexOf(spare), 1);
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], { keySize: 2048, algorithm: 'sha256' });
  selfSigned = await listen(
    https.createServer({ key: pems.private, cert: pems.cert }, (_request, response) => response.end('{"status":"ok"}')),
  );
});

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections?.();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

describe('one poll', () => {
  it('times out within its bound on a target that accepts and never answers', async () => {
    const started = Date.now();
    const outcome = await probe({ url: `http://127.0.0.1:${hanging}/health/ready`, timeoutMs: 400 });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(outcome).toMatchObject({ ok: false, kind: 'timeout' });
  });

  it('times out on a target that sends headers and stalls the body', async () => {
    const outcome = await probe({ url: `http://127.0.0.1:${stalling}/health/ready`, timeoutMs: 400 });
    expect(outcome).toMatchObject({ ok: false, kind: 'timeout' });
  });

  it('says the connection was refused on a closed port', async () => {
    const outcome = await probe({ url: `http://127.0.0.1:${closedPort}/health/ready`, timeoutMs: 2_000 });
    expect(outcome).toMatchObject({ ok: false, kind: 'refused' });
    expect(outcome.ok ? '' : outcome.detail).toContain('ECONNREFUSED');
  });

  it('says DNS failed for a name that does not resolve', async () => {
    const outcome = await probe({ url: 'http://shipshape-monitor-test.invalid/health', timeoutMs: 5_000 });
    expect(outcome.ok).toBe(false);
    // A machine without any resolver may only time out; one with a resolver must say DNS.
    expect(['dns', 'timeout']).toContain(outcome.ok ? '' : outcome.kind);
    if (!outcome.ok && outcome.kind === 'dns') expect(outcome.detail).toContain('does not resolve');
  });

  it('says TLS failed for a certificate nobody vouches for', async () => {
    const outcome = await probe({ url: `https://127.0.0.1:${selfSigned}/health`, timeoutMs: 2_000 });
    expect(outcome).toMatchObject({ ok: false, kind: 'tls' });
  });

  it('answers with status, body and latency when the target does', async () => {
    const ok = http.createServer((_request, response) => response.end('{"status":"ok"}'));
    const port = await listen(ok);
    const outcome = await probe({ url: `http://127.0.0.1:${port}/health`, timeoutMs: 2_000 });
    expect(outcome).toMatchObject({ ok: true, status: 200, body: '{"status":"ok"}' });
  });
});
