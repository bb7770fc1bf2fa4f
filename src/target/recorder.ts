/**
 * Every HTTP response and WebSocket frame the run receives from the target,
 * recorded as the suites go, so suite 5.3 can trace canary secrets through
 * them. Nothing is kept in memory but counters: each exchange is appended
 * to a JSON-lines file in the run's report directory (suites run in separate
 * worker processes; the file is what they share), masked before it is
 * written, with the names of the secrets it carried (never their values) and
 * a short excerpt. The file is bounded; past the bound only exchanges that
 * carried a secret are written.
 *
 * Coverage does not depend on each probe remembering to record: once a
 * check's context configures the recorder, the worker's global `fetch` and
 * `WebSocket` record every answer from a loopback address (locally the
 * harness reaches the target and its one-off copies only there). The
 * stand-ins' control routes (`/_standin/...`) are left out: they report what
 * the backend sent them, keys included, by design. Probes on raw sockets
 * (node:http, the ws package, Chromium, the load engines) record explicitly.
 */
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { leakedSecrets, maskSecretValues, type Secret } from '../support/secrets.ts';

export interface RecordedExchange {
  kind: 'http' | 'ws';
  /** `POST /api/v1/query -> 200`, `ws /ws frame`. */
  where: string;
  /** The check that was running, when known. */
  check?: string;
  bytes: number;
  /** Names of the secrets the response or frame carried (headers included). */
  leaked: string[];
  /** The start of what was received, masked. */
  excerpt: string;
  /**
   * Load tests: how many more answers like the sampled one were searched and found clean but not
   * written (the entry has no excerpt). Absent: the entry is one answer.
   */
  count?: number;
}

interface RecorderSetup {
  file: string;
  secrets: readonly Secret[];
  check?: string;
}

/** Bytes of one body searched and recorded: past it, a body is cut (a canary beyond it goes unseen). */
const maxRecordedBodyBytes = 256 * 1024;

/** Most bytes one process appends; the whole run's file stays small enough to read at once. */
const maxFileBytes = 8 * 1024 * 1024;
const excerptChars = 300;

let setup: RecorderSetup | undefined;
let written = 0;
const counts = { http: 0, ws: 0 };
/** Bodies still being read by the fetch hook; settleRecordings waits for them at the end of each check. */
const pending = new Set<Promise<void>>();
/** Load answers by kind (`POST /api/v1/query 200`): one sample written, the clean rest only counted. */
const sampled = new Map<string, { kind: RecordedExchange['kind']; where: string; unwritten: number }>();

/** Where recordings go for this process, and what to look for; called by each check's context. */
export function configureRecorder(next: RecorderSetup | undefined): void {
  setup = next;
  if (next) installHooks();
}

/** Whether answers are being recorded (a local run's check is under way); the load engines ask before hooking in. */
export function recordingActive(): boolean {
  return setup !== undefined;
}

/**
 * At the end of each check: waits (bounded) for the bodies the fetch hook is still reading, so each
 * lands under its own check, and writes how many load answers were searched without being written.
 */
export async function settleRecordings(withinMs = 5_000): Promise<void> {
  if (pending.size > 0) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...pending]),
      new Promise((resolve) => (timer = setTimeout(resolve, withinMs))),
    ]);
    clearTimeout(timer);
  }
  for (const sample of sampled.values()) {
    if (sample.unwritten === 0) continue;
    append({
      kind: sample.kind,
      where: sample.where,
      ...(setup?.check ? { check: setup.check } : {}),
      bytes: 0,
      leaked: [],
      excerpt: '',
      count: sample.unwritten,
    });
    sample.unwritten = 0;
  }
}

/** Whether an answer from this URL is the target's: loopback, and not a stand-in's control route. */
export function recordsAnswersFrom(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname);
  return loopback && !parsed.pathname.startsWith('/_standin/');
}

let hooksInstalled = false;

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  const originalFetch = globalThis.fetch;
  globalThis.fetch = async (input, init) => {
    const response = await originalFetch(input, init);
    const url = response.url || (input instanceof Request ? input.url : String(input));
    if (setup && recordsAnswersFrom(url)) {
      const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
      // A clone, read on the side: the caller's body and timing are untouched.
      trackRecording(
        readCapped(response.clone()).then((body) =>
          recordHttpResponse(method, url, response.status, response.headers, body),
        ),
      );
    }
    return response;
  };
  const NativeWebSocket = globalThis.WebSocket;
  globalThis.WebSocket = class RecordedWebSocket extends NativeWebSocket {
    constructor(url: string | URL, protocols?: ConstructorParameters<typeof NativeWebSocket>[1]) {
      super(url, protocols);
      const href = String(url);
      if (!recordsAnswersFrom(href.replace(/^ws/, 'http'))) return;
      this.addEventListener('message', (event: MessageEvent) => {
        const data: unknown = event.data;
        if (typeof data === 'string') recordWebSocketFrame(href, data);
        else if (data instanceof ArrayBuffer) recordWebSocketFrame(href, Buffer.from(data).toString('latin1'));
        else if (data instanceof Blob) trackRecording(data.text().then((text) => recordWebSocketFrame(href, text)));
      });
    }
  };
}

/** Recording work still under way (a body being read): settleRecordings waits for it. */
export function trackRecording(work: Promise<void>): void {
  const settled = work.catch(() => {
    // A body cut off by its caller's abort: there is nothing more to record.
  });
  pending.add(settled);
  void settled.finally(() => pending.delete(settled));
}

/** The start of a body, at most maxRecordedBodyBytes: a stream that never ends is not waited for. */
async function readCapped(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < maxRecordedBodyBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, maxRecordedBodyBytes).toString('utf8');
}

/** What this process recorded so far (the file holds every process's). */
export function recordedCounts(): { http: number; ws: number } {
  return { ...counts };
}

function append(entry: RecordedExchange): void {
  if (!setup) return;
  const line = `${JSON.stringify(entry)}\n`;
  if (written + line.length > maxFileBytes && entry.leaked.length === 0) return;
  try {
    mkdirSync(path.dirname(setup.file), { recursive: true });
    appendFileSync(setup.file, line);
    written += line.length;
  } catch {
    // The recording is evidence for 5.3, never a reason for another check to fail.
  }
}

function entryOf(kind: RecordedExchange['kind'], where: string, text: string): RecordedExchange {
  const secrets = setup?.secrets ?? [];
  return {
    kind,
    where,
    ...(setup?.check ? { check: setup.check } : {}),
    bytes: Buffer.byteLength(text),
    leaked: leakedSecrets(text, secrets),
    excerpt: maskSecretValues(text.slice(0, excerptChars + 200), secrets).slice(0, excerptChars),
  };
}

/** One HTTP response: its status line, headers and body are searched. */
export function recordHttpResponse(
  method: string,
  url: string,
  status: number,
  headers: Headers | RawHeaders,
  body: string,
): void {
  counts.http++;
  if (!setup) return;
  const entry = entryOf(
    'http',
    `${method} ${pathOf(url)} -> ${status}`,
    `${headerText(headers instanceof Headers ? headers : headersOf(headers))}\n\n${body}`,
  );
  append(entry);
}

/**
 * One answer among a load test's many: each is searched, but only the first of
 * each status and any that carried a secret are written (a bounded file, and
 * the same answer ten thousand times says nothing more).
 */
export function sampleLoadResponse(
  method: string,
  url: string,
  status: number,
  headers: RawHeaders,
  body: string,
): void {
  // Searched as raw text: building a Headers object for each of thousands of answers is the costly part.
  const raw = Object.entries(headers)
    .map(([name, value]) => `${name}: ${String(value)}`)
    .join('\n');
  sampleOrCount('http', `${method} ${pathOf(url)} -> ${status}`, `${raw}\n\n${body}`, () =>
    recordHttpResponse(method, url, status, headersOf(headers), body),
  );
}

/** Load-test frames likewise: the first of each type, and any that carried a secret. */
export function sampleLoadFrame(url: string, data: string, type: unknown): void {
  const where = `ws ${pathOf(url)} frame ${typeof type === 'string' ? type : '(no type)'}`;
  sampleOrCount('ws', where, data, () => recordWebSocketFrame(url, data));
}

/** Writes the first answer of its kind and any that leaked; counts the clean rest (written at the check's end). */
function sampleOrCount(kind: RecordedExchange['kind'], where: string, searched: string, write: () => void): void {
  if (!setup) return;
  const sample = sampled.get(where);
  if (sample && leakedSecrets(searched, setup.secrets).length === 0) {
    counts[kind]++;
    sample.unwritten++;
    return;
  }
  if (!sample) sampled.set(where, { kind, where, unwritten: 0 });
  write();
}

function headerText(headers: Headers): string {
  return [...headers].map(([name, value]) => `${name}: ${value}`).join('\n');
}

/** Headers as node:http and autocannon give them. */
export type RawHeaders = Record<string, string | string[] | undefined>;

function headersOf(headers: RawHeaders): Headers {
  const result = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) {
      try {
        result.append(name, String(one));
      } catch {
        // a name or value the Headers class refuses: the body still counts
      }
    }
  }
  return result;
}

/** One WebSocket frame received (or the body of a refused upgrade). */
export function recordWebSocketFrame(url: string, data: string): void {
  counts.ws++;
  if (!setup) return;
  append(entryOf('ws', `ws ${pathOf(url)} frame`, data));
}

function pathOf(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.pathname;
  } catch {
    return url.slice(0, 100);
  }
}

/** Reads a recording file; a missing file is an empty recording (nothing was received yet). */
export function readRecording(file: string): RecordedExchange[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const entries: RecordedExchange[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      entries.push(JSON.parse(line) as RecordedExchange);
    } catch {
      // a line cut short by an interrupted writer
    }
  }
  return entries;
}

/** The run's recording file, under its report directory. */
export function recordingFile(reportDir: string): string {
  return path.join(reportDir, 'work', 'exchanges.jsonl');
}
