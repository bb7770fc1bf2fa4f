/**
 * The HTTP checks of 1.2 against small servers on 127.0.0.1 that answer the
 * way broken targets do, and one that answers correctly.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { probeHealth200, probeReady200 } from '../../../src/tasks/1.2-local-docker/container.ts';

let server: Server | undefined;

async function serve(status: number, body: string): Promise<string> {
  server = createServer((_request, response) => {
    response.writeHead(status, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

describe('1.2/health-200', () => {
  it('passes on {"status":"ok"} with 200', async () => {
    const verdict = await probeHealth200(await serve(200, '{"status":"ok"}'), '/health', 2_000);
    expect(verdict).toMatchObject({ status: 'passed' });
  });

  it.each([
    [500, '{"status":"ok"}', /answered 500/],
    [200, '{"status":"degraded"}', /body is not \{"status":"ok"\}/],
    // The original backend's defect: an error text carried by HTTP 200.
    [200, 'Internal error: connection refused', /body is not \{"status":"ok"\}/],
  ])('fails on %i %s', async (status, body, message) => {
    const verdict = await probeHealth200(await serve(status, body), '/health', 2_000);
    expect(verdict.status).toBe('failed');
    expect(verdict.message).toMatch(message);
  });

  it('fails when nothing answers', async () => {
    const url = await serve(200, '{}');
    await new Promise((resolve) => server!.close(resolve));
    const verdict = await probeHealth200(url, '/health', 2_000);
    expect(verdict).toMatchObject({ status: 'failed', message: expect.stringMatching(/got no answer: ECONNREFUSED/) });
  });
});

describe('1.2/ready-200', () => {
  it('passes when every dependency is ok', async () => {
    const body = '{"status":"ready","checks":{"postgres":{"ok":true,"latencyMs":2}}}';
    expect(await probeReady200(await serve(200, body), '/health/ready', 2_000)).toMatchObject({ status: 'passed' });
  });

  it.each([
    [503, '{"status":"unavailable","checks":{"postgres":{"ok":false}}}', /answered 503/],
    [200, '{"status":"ready","checks":{"postgres":{"ok":false}}}', /while postgres not ok/],
    [200, '{"status":"ready"}', /names no dependency checks/],
  ])('fails on %i %s', async (status, body, message) => {
    const verdict = await probeReady200(await serve(status, body), '/health/ready', 2_000);
    expect(verdict.status).toBe('failed');
    expect(verdict.message).toMatch(message);
  });
});
