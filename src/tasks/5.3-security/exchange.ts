/**
 * Sending what the security probes need exactly as written: node:http for
 * requests (any method, any bytes, paths not normalised, headers as given)
 * and the `ws` client for WebSocket exchanges (any Origin, binary frames, a
 * frame written after the close frame). Every answer is fed to the run's
 * recorder for the canary search. Nothing here throws for the target's
 * behaviour: failures come back as data.
 */
import http from 'node:http';
import https from 'node:https';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { recordHttpResponse, recordWebSocketFrame } from '../../target/recorder.ts';

export interface RawRequest {
  method: string;
  /** Path and query as sent. */
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | string | undefined;
  timeoutMs: number;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  ms: number;
}

export type RawResult = { ok: true; response: RawResponse } | { ok: false; error: string; ms: number };

/** Most of a body read; the rest is counted, not kept. */
const maxBodyBytes = 256 * 1024;

export function sendRaw(baseUrl: string, request: RawRequest): Promise<RawResult> {
  const base = new URL(baseUrl);
  const client = base.protocol === 'https:' ? https : http;
  const started = Date.now();
  const body = typeof request.body === 'string' ? Buffer.from(request.body) : request.body;
  return new Promise((resolve) => {
    let settled = false;
    const settle = (result: RawResult) => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    const req = client.request(
      {
        protocol: base.protocol,
        hostname: base.hostname,
        port: base.port || undefined,
        method: request.method,
        path: request.path,
        headers: { ...(body ? { 'content-length': String(body.length) } : {}), ...request.headers },
        timeout: request.timeoutMs,
        agent: false,
        insecureHTTPParser: true,
      },
      (response) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        response.on('data', (chunk: Buffer) => {
          if (kept < maxBodyBytes) {
            chunks.push(chunk);
            kept += chunk.length;
          }
        });
        response.on('end', () => {
          const text = Buffer.concat(chunks).subarray(0, maxBodyBytes).toString('utf8');
          const status = response.statusCode ?? 0;
          recordHttpResponse(request.method, `${base.origin}${request.path}`, status, response.headers, text);
          settle({ ok: true, response: { status, headers: response.headers, text, ms: Date.now() - started } });
        });
        response.on('error', (error) => settle({ ok: false, error: error.message, ms: Date.now() - started }));
      },
    );
    req.on('timeout', () => {
      req.destroy(new Error(`no answer within ${request.timeoutMs} ms`));
    });
    req.on('error', (error: NodeJS.ErrnoException) =>
      settle({
        ok: false,
        error: error.code ? `${error.code}: ${error.message}` : error.message,
        ms: Date.now() - started,
      }),
    );
    if (body) req.end(body);
    else req.end();
  });
}

/** A header's value as one string (first of a list). */
export function header(headers: http.IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value;
}

export interface WsOutcome {
  /** The upgrade was refused: its status and body. */
  refused?: { status: number; text: string };
  opened: boolean;
  frames: string[];
  /** Close code and reason from the server, when it closed. */
  closed?: { code: number; reason: string };
  error?: string;
}

export interface WsPlan {
  url: string;
  origin?: string;
  steps?: ({ kind: 'text'; data: string } | { kind: 'binary'; data: Buffer })[];
  /** Written on the raw socket right after the client's close frame. */
  afterClose?: string;
  /** How many frames to wait for before hanging up (beyond keep-alives). */
  expectFrames: number;
  /** Frames of this type do not count (idle keep-alives). */
  ignoreType?: string;
  timeoutMs: number;
}

/** A masked client text frame, as RFC 6455 section 5.2 lays it out. */
export function maskedTextFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = randomBytes(4);
  const length = payload.length;
  const head =
    length < 126
      ? Buffer.from([0x81, 0x80 | length])
      : length < 65_536
        ? Buffer.from([0x81, 0x80 | 126, length >> 8, length & 0xff])
        : Buffer.concat([Buffer.from([0x81, 0x80 | 127]), bigLength(length)]);
  const masked = Buffer.alloc(length);
  for (let i = 0; i < length; i++) masked[i] = payload[i]! ^ mask[i % 4]!;
  return Buffer.concat([head, mask, masked]);
}

function bigLength(length: number): Buffer {
  const buffer = Buffer.alloc(8);
  buffer.writeBigUInt64BE(BigInt(length));
  return buffer;
}

/** Opens the WebSocket, sends the plan's frames, and collects what comes back until enough frames or the bound. */
export function exchangeOverWebSocket(plan: WsPlan): Promise<WsOutcome> {
  const outcome: WsOutcome = { opened: false, frames: [] };
  return new Promise((resolve) => {
    let done = false;
    const socket = new WebSocket(plan.url, {
      ...(plan.origin ? { origin: plan.origin } : {}),
      handshakeTimeout: plan.timeoutMs,
      maxPayload: 4 * 1024 * 1024,
    });
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING) socket.terminate();
      resolve(outcome);
    };
    const timer = setTimeout(finish, plan.timeoutMs);
    socket.on('unexpected-response', (_request, response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8').slice(0, maxBodyBytes);
        recordWebSocketFrame(plan.url, text);
        outcome.refused = { status: response.statusCode ?? 0, text };
        finish();
      });
    });
    socket.on('open', () => {
      outcome.opened = true;
      for (const step of plan.steps ?? []) socket.send(step.data, { binary: step.kind === 'binary' });
      if (plan.afterClose !== undefined) {
        socket.close(1000, 'done');
        // The close frame is queued; what follows it on the wire must be ignored by the server.
        const raw = (socket as unknown as { _socket?: import('node:net').Socket })._socket;
        raw?.write(maskedTextFrame(plan.afterClose));
      }
      if (plan.expectFrames === 0 && plan.afterClose === undefined) finish();
    });
    socket.on('message', (data, isBinary) => {
      const text = isBinary ? `(binary ${(data as Buffer).length} bytes)` : String(data);
      recordWebSocketFrame(plan.url, text);
      outcome.frames.push(text);
      const counted = outcome.frames.filter((frame) => !isType(frame, plan.ignoreType)).length;
      if (counted >= plan.expectFrames) finish();
    });
    socket.on('close', (code, reason) => {
      outcome.closed = { code, reason: reason.toString() };
      finish();
    });
    socket.on('error', (error) => {
      outcome.error = error.message;
      if (!outcome.opened && !outcome.refused) finish();
    });
  });
}

function isType(frame: string, type: string | undefined): boolean {
  if (!type) return false;
  try {
    return (JSON.parse(frame) as { type?: unknown }).type === type;
  } catch {
    return false;
  }
}

export function wsUrl(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/^http/, 'ws')}${path}`;
}
