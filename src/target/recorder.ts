/**
 * Every HTTP response and WebSocket frame the run receives from the target,
 * recorded as the suites go, so suite 5.3 can trace canary secrets through
 * them. Nothing is kept in memory but two counters: each exchange is appended
 * to a JSON-lines file in the run's report directory (suites run in separate
 * worker processes; the file is what they share), masked before it is
 * written, with the names of the secrets it carried (never their values) and
 * a short excerpt. The file is bounded; past the bound only exchanges that
 * carried a secret are written.
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
}

interface RecorderSetup {
  file: string;
  secrets: readonly Secret[];
  check?: string;
}

/** Most bytes one process appends; the whole run's file stays small enough to read at once. */
const maxFileBytes = 8 * 1024 * 1024;
const excerptChars = 300;

let setup: RecorderSetup | undefined;
let written = 0;
const counts = { http: 0, ws: 0 };

/** Where recordings go for this process, and what to look for; called by each check's context. */
export function configureRecorder(next: RecorderSetup): void {
  setup = next;
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
export function recordHttpResponse(method: string, url: string, status: number, headers: Headers, body: string): void {
  counts.http++;
  if (!setup) return;
  const headerText = [...headers].map(([name, value]) => `${name}: ${value}`).join('\n');
  const entry = entryOf('http', `${method} ${pathOf(url)} -> ${status}`, `${headerText}\n\n${body}`);
  append(entry);
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
