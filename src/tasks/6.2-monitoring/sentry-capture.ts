/**
 * A local stand-in for Sentry's ingestion: a container on the run's network
 * that accepts `POST /api/<project>/envelope/` (what Sentry's SDKs send to a
 * DSN), answers 200 and prints each envelope, decompressed and base64-coded,
 * as one JSON line of its output. The harness reads those lines and parses
 * the envelopes with @sentry/core's own parseEnvelope, then judges the events:
 * one arrived for the forced error, tagged with its request id, and no
 * secret value (the run's canaries) is anywhere in what was sent.
 */
import { parseEnvelope } from '@sentry/core';
import { failed, passed, type Verdict } from '../../checks/check.ts';
import type { OutputLine } from '../../support/log-lines.ts';
import { evidenceLine, leakedSecrets, type Secret } from '../../support/secrets.ts';

export const capturePort = 9000;

/** Runs with `node -e` in the harness's Node image: no dependency, plain CommonJS. */
export const captureScript = `
const http = require('node:http');
const zlib = require('node:zlib');
const port = Number(process.argv[1]);
http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    let body = Buffer.concat(chunks);
    const encoding = req.headers['content-encoding'];
    try {
      if (encoding === 'gzip') body = zlib.gunzipSync(body);
      else if (encoding === 'deflate') body = zlib.inflateSync(body);
      else if (encoding === 'br') body = zlib.brotliDecompressSync(body);
    } catch (error) {
      console.log(JSON.stringify({ kind: 'undecodable', encoding, error: String(error) }));
    }
    const path = (req.url || '').split('?')[0];
    const match = /^\\/api\\/([^/]+)\\/envelope\\/?$/.exec(path);
    if (req.method === 'POST' && match) {
      console.log(JSON.stringify({ kind: 'envelope', project: match[1], body: body.toString('base64') }));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    } else {
      console.log(JSON.stringify({ kind: 'other', method: req.method, path }));
      res.writeHead(404);
      res.end();
    }
  });
}).listen(port, '0.0.0.0', () => console.log(JSON.stringify({ kind: 'listening', port })));
`;

/** A DSN pointing at the capture container: public key (word characters only, as the SDK parses it), host on the run's network, project id. */
export function captureDsn(alias: string, project = '4242'): string {
  return `http://shipshapepublickey@${alias}:${capturePort}/${project}`;
}

export interface CapturedItem {
  type: string;
  payload: unknown;
}

export interface CapturedEnvelope {
  project: string;
  /** The envelope as received (decompressed): searched for secrets as a whole. */
  raw: string;
  items: CapturedItem[];
  /** Why it could not be parsed, if it could not. */
  error?: string;
}

/** The capture container's output lines, as envelopes (parsed with @sentry/core). */
export function capturedEnvelopes(lines: readonly OutputLine[]): { listening: boolean; envelopes: CapturedEnvelope[] } {
  let listening = false;
  const envelopes: CapturedEnvelope[] = [];
  for (const line of lines) {
    let record: { kind?: string; project?: string; body?: string };
    try {
      record = JSON.parse(line.text) as typeof record;
    } catch {
      continue;
    }
    if (record.kind === 'listening') listening = true;
    if (record.kind !== 'envelope' || typeof record.body !== 'string') continue;
    const bytes = Buffer.from(record.body, 'base64');
    const raw = bytes.toString('utf8');
    try {
      const [, items] = parseEnvelope(new Uint8Array(bytes));
      envelopes.push({
        project: record.project ?? '',
        raw,
        items: items.map(([header, payload]) => ({ type: String(header.type), payload })),
      });
    } catch (error) {
      envelopes.push({ project: record.project ?? '', raw, items: [], error: (error as Error).message });
    }
  }
  return { listening, envelopes };
}

interface SentryEvent {
  event_id?: string;
  tags?: Record<string, unknown> | [string, unknown][];
  exception?: { values?: { type?: string; value?: string }[] };
  message?: unknown;
}

/** An event's tag value: tags are an object in events, `[key, value]` pairs in some SDKs. */
export function tagOf(event: SentryEvent, name: string): string | undefined {
  const tags = event.tags;
  if (!tags) return undefined;
  const value = Array.isArray(tags) ? tags.find(([key]) => key === name)?.[1] : tags[name];
  return value === undefined || value === null ? undefined : String(value);
}

export function eventsOf(envelopes: readonly CapturedEnvelope[]): SentryEvent[] {
  return envelopes.flatMap((envelope) =>
    envelope.items.filter((item) => item.type === 'event').map((item) => item.payload as SentryEvent),
  );
}

export interface CaptureObservation {
  /** The forced request and what it answered. */
  request: string;
  status: number | string;
  requestIds: readonly string[];
  tag: string;
  envelopes: readonly CapturedEnvelope[];
  /** Requests the capture server got that were not envelopes. */
  otherRequests: number;
  /** The last lines of the container with the DSN set, and of the capture endpoint: evidence when nothing came. */
  targetTail?: readonly string[];
  captureTail?: readonly string[];
}

function describeEvent(event: SentryEvent, tag: string): string {
  const exception = event.exception?.values?.[0];
  return `event ${event.event_id ?? '?'}: ${exception ? `${exception.type}: ${exception.value}` : 'no exception'}, ${tag}=${tagOf(event, tag) ?? 'none'}`;
}

/** 6.2/errors-reported-to-sentry: an event for the forced error arrived, tagged with its request id. */
export function reportedVerdict(observed: CaptureObservation, secrets: readonly Secret[]): Verdict {
  const events = eventsOf(observed.envelopes);
  const tagged = events.filter((event) => {
    const value = tagOf(event, observed.tag);
    return value !== undefined && observed.requestIds.includes(value);
  });
  const head = `${observed.request} answered ${observed.status}`;
  if (tagged.length > 0) {
    return passed(
      `${head}; the capture endpoint received ${observed.envelopes.length} envelope(s), ` +
        `an event tagged ${observed.tag}=${tagOf(tagged[0]!, observed.tag)} among them (${evidenceLine(describeEvent(tagged[0]!, observed.tag), secrets, 200)})`,
    );
  }
  const unparsed = observed.envelopes.filter((envelope) => envelope.error);
  const evidence = [
    `envelopes received: ${observed.envelopes.length}, events: ${events.length}, other requests: ${observed.otherRequests}`,
    ...events.slice(0, 3).map((event) => `  ${evidenceLine(describeEvent(event, observed.tag), secrets)}`),
    ...unparsed.slice(0, 2).map((envelope) => `  unparsable envelope: ${envelope.error}`),
    'last lines of the container with the DSN set:',
    ...(observed.targetTail ?? []).map((line) => `  ${evidenceLine(line, secrets)}`),
    'last lines of the capture endpoint:',
    ...(observed.captureTail ?? []).map((line) => `  ${line}`),
  ].join('\n');
  if (events.length === 0) {
    return failed(
      `${head}, but no error event reached the DSN (the capture endpoint received ${observed.envelopes.length} envelope(s))`,
      evidence,
    );
  }
  return failed(
    `${head}; ${events.length} event(s) reached the DSN but none carries the tag ${observed.tag}=${observed.requestIds.join(' or ')}`,
    evidence,
  );
}

/** 6.2/sentry-events-scrubbed: nothing the SDK sent shows a secret value. */
export function scrubbedVerdict(observed: CaptureObservation, secrets: readonly Secret[]): Verdict {
  const events = eventsOf(observed.envelopes);
  if (observed.envelopes.length === 0) {
    return failed(
      `${observed.request} answered ${observed.status}, but nothing reached the DSN to judge (see 6.2/errors-reported-to-sentry)`,
    );
  }
  const leaks = observed.envelopes.flatMap((envelope, index) =>
    leakedSecrets(envelope.raw, secrets).map((name) => ({ index, name, raw: envelope.raw })),
  );
  if (leaks.length === 0) {
    return passed(
      `${observed.envelopes.length} envelope(s) (${events.length} event(s)) sent to the DSN show none of ` +
        `${[...new Set(secrets.map((secret) => secret.name))].join(', ') || "the run's secrets"}`,
    );
  }
  const names = [...new Set(leaks.map((leak) => leak.name))];
  const evidence = leaks.slice(0, 3).map((leak) => {
    const secret = secrets.find((candidate) => candidate.name === leak.name)!;
    const at = leak.raw.indexOf(secret.value);
    return `  envelope ${leak.index + 1}: ...${evidenceLine(leak.raw.slice(Math.max(0, at - 120), at + secret.value.length + 60), secrets, 400)}...`;
  });
  return failed(`the events sent to the DSN show the value of ${names.join(', ')}`, evidence.join('\n'));
}
