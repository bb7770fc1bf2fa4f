/**
 * The error-leak corpus: fixtures/bad-inputs/ read as data (YAML), validated,
 * and expanded into concrete requests and WebSocket exchanges for a target's
 * paths. Further HTTP cases are derived from the target's OpenAPI document
 * (openapi-cases.ts). Pure: nothing here sends anything.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';

export const corpusDir = path.resolve(import.meta.dirname, '..', '..', '..', 'fixtures', 'bad-inputs');

const repeat = z.strictObject({ text: z.string(), times: z.number().int().positive(), template: z.string() });
const nest = z.strictObject({ depth: z.number().int().positive(), template: z.string() });
const expectation = z.enum(['4xx', 'answered']).default('4xx');

const httpCase = z.strictObject({
  name: z.string().min(1),
  method: z
    .string()
    .regex(/^[A-Z]+$/)
    .default('POST'),
  path: z.string().min(1),
  contentType: z.string().nullable().default('application/json'),
  body: z.string().optional(),
  json: z.unknown().optional(),
  base64: z.string().optional(),
  repeat: repeat.optional(),
  nest: nest.optional(),
  nestObject: nest.optional(),
  appendToPath: z.boolean().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  auth: z.literal('admin').optional(),
  expect: expectation,
});

const wsCase = z.strictObject({
  name: z.string().min(1),
  frames: z.array(z.string()).optional(),
  json: z.array(z.unknown()).optional(),
  binaryBase64: z.array(z.string()).optional(),
  repeat: repeat.optional(),
  nest: nest.optional(),
  afterClose: z.string().optional(),
  expect: expectation.default('4xx'),
});

const httpFile = z.strictObject({ kind: z.string().min(1), cases: z.array(httpCase).min(1) });
const wsFile = z.strictObject({ kind: z.string().min(1), cases: z.array(wsCase).min(1) });

export type HttpCaseData = z.output<typeof httpCase>;
export type WsCaseData = z.output<typeof wsCase>;

/** A request ready to send. */
export interface HttpCase {
  kind: string;
  name: string;
  method: string;
  /** Path and query as sent, unnormalised. */
  path: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
  auth: boolean;
  expect: '4xx' | 'answered';
  /** Strings the request carried: an error quoting them back is not a leak. */
  sent: string[];
}

export type WsStep = { kind: 'text'; data: string } | { kind: 'binary'; data: Buffer };

export interface WsCase {
  kind: string;
  name: string;
  steps: WsStep[];
  /** A frame written on the socket after the client's close frame. */
  afterClose?: string;
  expect: '4xx' | 'answered';
  sent: string[];
}

/** The paths a case may name, as the target declares them (null: the target has no such route). */
export interface CorpusPaths {
  query: string;
  health: string;
  ready: string | null;
  ws: string | null;
  conversations: string | null;
  documents: string | null;
}

export interface Corpus {
  http: HttpCase[];
  ws: WsCase[];
  /** Cases left out for this target, with why (a route it does not have). */
  notApplicable: { kind: string; name: string; why: string }[];
}

function readFiles(dir: string): { file: string; data: unknown }[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => /\.ya?ml$/.test(name));
  } catch {
    return [];
  }
  return names.sort().map((name) => {
    const file = path.join(dir, name);
    return { file, data: parse(readFileSync(file, 'utf8')) as unknown };
  });
}

function expand(template: string, inner: string): string {
  return template.replace('%s', () => inner);
}

function nested(depth: number, object: boolean): string {
  return object ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}` : `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

/** `@repeat:<text>:<times>` in a header value: a long header without a long fixture line. */
function headerValue(value: string): string {
  const match = /^@repeat:(.):(\d+)$/.exec(value);
  return match ? match[1]!.repeat(Number(match[2])) : value;
}

function resolvePath(template: string, paths: CorpusPaths): string | undefined {
  let missing = false;
  const resolved = template.replace(/\{(query|health|ready|ws|conversations|documents)\}/g, (_, name: string) => {
    const value = paths[name as keyof CorpusPaths];
    if (value === null) missing = true;
    return value ?? '';
  });
  return missing ? undefined : resolved;
}

function bodyOf(data: HttpCaseData): { body: Buffer | undefined; sent: string[] } {
  if (data.base64 !== undefined) return { body: Buffer.from(data.base64, 'base64'), sent: [] };
  if (data.repeat && !data.appendToPath) {
    const text = expand(data.repeat.template, data.repeat.text.repeat(data.repeat.times));
    return { body: Buffer.from(text), sent: [data.repeat.text.repeat(Math.min(data.repeat.times, 50))] };
  }
  if (data.nest) return { body: Buffer.from(expand(data.nest.template, nested(data.nest.depth, false))), sent: [] };
  if (data.nestObject) {
    return { body: Buffer.from(expand(data.nestObject.template, nested(data.nestObject.depth, true))), sent: [] };
  }
  if (data.json !== undefined) return { body: Buffer.from(JSON.stringify(data.json)), sent: stringsIn(data.json) };
  if (data.body !== undefined) return { body: Buffer.from(data.body), sent: [data.body] };
  return { body: undefined, sent: [] };
}

/** Every string (and key) inside a JSON value. */
export function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, inner]) => [key, ...stringsIn(inner)]);
  }
  return [];
}

export function httpCaseFrom(kind: string, data: HttpCaseData, paths: CorpusPaths): HttpCase | string {
  const resolved = resolvePath(data.path, paths);
  if (resolved === undefined) return `the target declares no route for ${data.path}`;
  const { body, sent } = bodyOf(data);
  const suffix =
    data.repeat && data.appendToPath ? expand(data.repeat.template, data.repeat.text.repeat(data.repeat.times)) : '';
  const headers: Record<string, string> = {};
  if (data.contentType !== null && body !== undefined) headers['content-type'] = data.contentType;
  for (const [name, value] of Object.entries(data.headers ?? {})) headers[name.toLowerCase()] = headerValue(value);
  return {
    kind,
    name: data.name,
    method: data.method,
    path: resolved + suffix,
    headers,
    body,
    auth: data.auth === 'admin',
    expect: data.expect,
    sent: [...sent, ...Object.values(data.headers ?? {}), decodeURIComponentSafe(resolved)],
  };
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export function wsCaseFrom(kind: string, data: WsCaseData): WsCase {
  const steps: WsStep[] = [];
  const sent: string[] = [];
  for (const frame of data.frames ?? []) {
    steps.push({ kind: 'text', data: frame });
    sent.push(frame);
  }
  for (const value of data.json ?? []) {
    steps.push({ kind: 'text', data: JSON.stringify(value) });
    sent.push(...stringsIn(value));
  }
  for (const binary of data.binaryBase64 ?? []) steps.push({ kind: 'binary', data: Buffer.from(binary, 'base64') });
  if (data.repeat) {
    steps.push({ kind: 'text', data: expand(data.repeat.template, data.repeat.text.repeat(data.repeat.times)) });
    sent.push(data.repeat.text.repeat(Math.min(data.repeat.times, 50)));
  }
  if (data.nest) steps.push({ kind: 'text', data: expand(data.nest.template, nested(data.nest.depth, false)) });
  return {
    kind,
    name: data.name,
    steps,
    ...(data.afterClose !== undefined ? { afterClose: data.afterClose } : {}),
    expect: data.expect,
    sent: [...sent, ...(data.afterClose ? [data.afterClose] : [])],
  };
}

/** Reads and validates the corpus; a malformed file is an error naming the file and the problem. */
export function loadCorpus(paths: CorpusPaths, dir = corpusDir): Corpus {
  const corpus: Corpus = { http: [], ws: [], notApplicable: [] };
  for (const { file, data } of readFiles(path.join(dir, 'http'))) {
    const parsed = httpFile.safeParse(data);
    if (!parsed.success) throw new Error(`${path.relative(process.cwd(), file)}: ${z.prettifyError(parsed.error)}`);
    for (const item of parsed.data.cases) {
      const built = httpCaseFrom(parsed.data.kind, item, paths);
      if (typeof built === 'string') corpus.notApplicable.push({ kind: parsed.data.kind, name: item.name, why: built });
      else corpus.http.push(built);
    }
  }
  if (paths.ws) {
    for (const { file, data } of readFiles(path.join(dir, 'ws'))) {
      const parsed = wsFile.safeParse(data);
      if (!parsed.success) throw new Error(`${path.relative(process.cwd(), file)}: ${z.prettifyError(parsed.error)}`);
      for (const item of parsed.data.cases) corpus.ws.push(wsCaseFrom(parsed.data.kind, item));
    }
  }
  return corpus;
}

/** Cases by kind, for the report: `malformed-json 28, ...`. */
export function countByKind(cases: readonly { kind: string }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of cases) counts[item.kind] = (counts[item.kind] ?? 0) + 1;
  return counts;
}

/**
 * A deterministic sample for production: `perKind` cases of each kind,
 * none that needs an admin token or sends more than `maxBytes`.
 */
export function sampleForProduction<T extends { kind: string; auth?: boolean; body?: Buffer | undefined }>(
  cases: readonly T[],
  perKind = 2,
  maxBytes = 16 * 1024,
): T[] {
  const taken: Record<string, number> = {};
  return cases.filter((item) => {
    if (item.auth || (item.body?.length ?? 0) > maxBytes) return false;
    taken[item.kind] = (taken[item.kind] ?? 0) + 1;
    return taken[item.kind]! <= perKind;
  });
}
