/**
 * Reads every layer of an image, as `docker save` writes it, once: what a
 * `docker history` or a look at the final filesystem misses is still in the
 * layers (a .env copied in and deleted later, a key overwritten by a later
 * COPY), and anyone who pulls the image can read them. Layers are streamed
 * entry by entry, never buffered whole (the reference's are 243 MB), and the
 * result is cached per image id, so the checks of one run share one read.
 * Shared by 1.1 (secret files in layers) and 5.3 (canaries in layers).
 */
import { Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import { getContainerRuntimeClient } from 'testcontainers';
import { redact, type Secret } from './secrets.ts';
import { parseJson } from './http.ts';

export interface LayerSummary {
  index: number;
  /** The layer's diff id (sha256 of its uncompressed tar), as the image config lists it. */
  diffId: string;
  /** The instruction that made it, from the image history; canaries and credentials redacted. */
  createdBy: string;
  bytes: number;
}

/** Where a later layer took a file out of the final filesystem (it stays in its own layer). */
export interface Removal {
  layer: number;
  how: 'deleted' | 'replaced';
}

export interface SecretFile {
  /** Absolute path inside the image. */
  path: string;
  layer: number;
  /** What it is, never what it holds: "a .env file", "contains the canary for COHERE_API_KEY". */
  what: string;
  removedBy?: Removal;
}

export interface SpecialFile {
  path: string;
  layer: number;
  mode: number;
  bits: 'setuid' | 'setgid' | 'setuid+setgid';
}

export interface LayerScan {
  layers: LayerSummary[];
  /** Secret files found in any layer, including ones a later layer deleted or replaced. */
  secretFiles: SecretFile[];
  /** setuid/setgid regular files present in the final filesystem, with the layer their version comes from. */
  specialFiles: SpecialFile[];
  /** Small files of the final filesystem kept for other checks: etc/passwd, etc/group (no leading slash). */
  files: Record<string, string>;
  bytesRead: number;
  durationMs: number;
}

/** Files kept whole for other checks (the user's uid comes from /etc/passwd). */
const keptFiles = new Set(['etc/passwd', 'etc/group']);
/** Most of a file kept to judge it (a PEM, an .npmrc) or for other checks (/etc/passwd). */
const candidateBytes = 1024 * 1024;
const jsonBytes = 16 * 1024 * 1024;

// ------------------------------------------------------------ needles

/**
 * Finds needles in a stream of chunks, including across chunk boundaries,
 * without concatenating whole chunks.
 */
export class NeedleScanner {
  readonly found = new Set<string>();
  private readonly needles: { name: string; bytes: Buffer }[];
  private readonly overlap: number;
  private tail = Buffer.alloc(0);

  constructor(needles: readonly Secret[]) {
    this.needles = needles.map((needle) => ({ name: needle.name, bytes: Buffer.from(needle.value) }));
    this.overlap = Math.max(0, ...this.needles.map((needle) => needle.bytes.length - 1));
  }

  push(chunk: Buffer): void {
    if (this.needles.length === 0) return;
    const seam = this.tail.length > 0 ? Buffer.concat([this.tail, chunk.subarray(0, this.overlap)]) : undefined;
    for (const needle of this.needles) {
      if (this.found.has(needle.name)) continue;
      if (chunk.includes(needle.bytes) || seam?.includes(needle.bytes)) this.found.add(needle.name);
    }
    const keep = Math.min(this.overlap, chunk.length);
    this.tail =
      chunk.length >= this.overlap
        ? Buffer.from(chunk.subarray(chunk.length - keep))
        : Buffer.concat([this.tail, chunk]).subarray(-this.overlap);
  }
}

// ------------------------------------------------------- classification

/** Why a path is a secret file by its name alone, or 'needs-content' when its content decides. */
function classifyByName(path: string): string | 'needs-content' | undefined {
  const base = path.slice(path.lastIndexOf('/') + 1);
  if (base === '.env' || (base.startsWith('.env.') && !/\.(example|sample|template|dist)$/.test(base))) {
    return `a ${base} file`;
  }
  if (/^id_(rsa|dsa|ecdsa|ed25519)$/.test(base)) return 'an SSH private key';
  if (/\.(pem|key)$/.test(base) || base === '.npmrc' || base === '.pypirc') return 'needs-content';
  return undefined;
}

/** What a candidate file's content makes it: a private key, registry credentials, or nothing. */
function classifyByContent(path: string, head: string): string | undefined {
  const base = path.slice(path.lastIndexOf('/') + 1);
  if (/\.(pem|key)$/.test(base)) {
    return /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(head) ? 'a PEM private key' : undefined;
  }
  if (base === '.npmrc') {
    // `_authToken=${NPM_TOKEN}` reads the token at run time: no token in the file.
    return /(_authToken|_auth|_password)\s*=\s*(?!\$\{)\S+/.test(head) ? 'an .npmrc with a registry token' : undefined;
  }
  if (base === '.pypirc') return /^\s*password\s*[=:]\s*\S+/m.test(head) ? 'a .pypirc with a password' : undefined;
  return undefined;
}

// ------------------------------------------------------------- layers

interface LayerRecord {
  /** Every path the layer holds (no leading slash), to tell when it replaces a lower layer's file. */
  paths: Set<string>;
  whiteouts: Set<string>;
  opaqueDirs: Set<string>;
  secrets: { path: string; what: string }[];
  special: { path: string; mode: number }[];
  kept: Map<string, string>;
  bytes: number;
}

function normalise(name: string): string {
  return name.replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '');
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '' : path.slice(0, slash);
}

async function readAll(entry: AsyncIterable<unknown>, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of entry as AsyncIterable<Buffer>) {
    if (size < limit) chunks.push(chunk);
    size += chunk.length;
  }
  return Buffer.concat(chunks).subarray(0, limit);
}

async function scanLayer(
  source: Readable,
  inflate: Transform | undefined,
  needles: readonly Secret[],
): Promise<LayerRecord> {
  const record: LayerRecord = {
    paths: new Set(),
    whiteouts: new Set(),
    opaqueDirs: new Set(),
    secrets: [],
    special: [],
    kept: new Map(),
    bytes: 0,
  };
  const extract = tar.extract();
  const feeding = inflate ? pipeline(source, inflate, extract) : pipeline(source, extract);
  // Awaited below; handled now so a stream error that ends the loop early is not also an unhandled rejection.
  feeding.catch(() => undefined);
  const gitRoots = new Set<string>();
  for await (const entry of extract) {
    const { header } = entry;
    const path = normalise(header.name);
    const base = path.slice(path.lastIndexOf('/') + 1);
    if (base.startsWith('.wh.')) {
      // Whiteouts are empty markers: .wh..wh..opq hides a directory's lower contents, .wh.<name> deletes <name>.
      const dir = parentOf(path);
      if (base === '.wh..wh..opq') record.opaqueDirs.add(dir);
      else record.whiteouts.add(dir ? `${dir}/${base.slice(4)}` : base.slice(4));
      await readAll(entry, 0);
      continue;
    }
    record.paths.add(path);
    const git = /(^|\/)\.git(\/|$)/.exec(path);
    if (git) {
      const root = path.slice(0, git.index + git[0].replace(/\/$/, '').length);
      if (!gitRoots.has(root)) {
        gitRoots.add(root);
        record.secrets.push({ path: root, what: 'a .git directory (the repository history)' });
      }
    }
    if (header.type !== 'file' && header.type !== 'contiguous-file') {
      await readAll(entry, 0);
      continue;
    }
    const mode = header.mode ?? 0;
    if (mode & 0o6000) record.special.push({ path, mode });
    const byName = classifyByName(path);
    if (byName && byName !== 'needs-content') record.secrets.push({ path, what: byName });
    const keepWhole = keptFiles.has(path);
    const keepHead = byName === 'needs-content' || keepWhole ? candidateBytes : 0;
    const scanner = new NeedleScanner(needles);
    const head: Buffer[] = [];
    let headSize = 0;
    for await (const chunk of entry as AsyncIterable<Buffer>) {
      record.bytes += chunk.length;
      scanner.push(chunk);
      if (headSize < keepHead) {
        head.push(chunk);
        headSize += chunk.length;
      }
    }
    const text = head.length > 0 ? Buffer.concat(head).subarray(0, keepHead).toString('utf8') : '';
    if (byName === 'needs-content') {
      const what = classifyByContent(path, text);
      if (what) record.secrets.push({ path, what });
    }
    if (keepWhole) record.kept.set(path, text);
    for (const owner of scanner.found) record.secrets.push({ path, what: `contains the canary for ${owner}` });
  }
  await feeding;
  return record;
}

/** The first bytes of a stream and a stream of the whole, so a blob's format can be sniffed. */
async function peek(entry: AsyncIterable<unknown>, bytes: number): Promise<{ head: Buffer; whole: Readable }> {
  const iterator = (entry as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  const seen: Buffer[] = [];
  let size = 0;
  let done = false;
  while (size < bytes) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    seen.push(next.value);
    size += next.value.length;
  }
  async function* replay(): AsyncGenerator<Buffer> {
    yield* seen;
    if (done) return;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  }
  return { head: Buffer.concat(seen), whole: Readable.from(replay(), { objectMode: false }) };
}

type BlobKind = 'tar' | 'gzip' | 'zstd' | 'json' | 'other';

function sniff(head: Buffer): BlobKind {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  if (head.length >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar') return 'tar';
  if (head.subarray(0, 1).toString() === '{' || head.subarray(0, 1).toString() === '[') return 'json';
  return 'other';
}

function decompressor(kind: BlobKind): Transform | undefined {
  if (kind === 'gzip') return zlib.createGunzip();
  // Node 23.8+; an older Node skips zstd layers rather than misreading them.
  const zstd = (zlib as { createZstdDecompress?: () => Transform }).createZstdDecompress;
  if (kind === 'zstd' && zstd) return zstd();
  return undefined;
}

interface SaveManifest {
  Config: string;
  Layers: string[];
}

interface ImageConfigJson {
  rootfs?: { diff_ids?: string[] };
  history?: { created_by?: string; empty_layer?: boolean }[];
}

/**
 * Scans a `docker save` archive, in either layout Docker writes (legacy
 * `<id>/layer.tar`, or OCI `blobs/sha256/<hex>`, possibly compressed).
 */
export async function scanSaveArchive(archive: Readable, needles: readonly Secret[]): Promise<LayerScan> {
  const started = Date.now();
  const extract = tar.extract();
  const feeding = pipeline(archive, extract);
  feeding.catch(() => undefined);
  const layers = new Map<string, LayerRecord>();
  const jsons = new Map<string, unknown>();
  const links = new Map<string, string>();
  let bytesRead = 0;
  for await (const entry of extract) {
    const name = normalise(entry.header.name);
    if (entry.header.type === 'symlink' || entry.header.type === 'link') {
      const target = entry.header.linkname ?? '';
      links.set(name, entry.header.type === 'symlink' ? resolveLink(name, target) : normalise(target));
      await readAll(entry, 0);
      continue;
    }
    if (entry.header.type !== 'file') {
      await readAll(entry, 0);
      continue;
    }
    if (name.endsWith('.json') || name === 'repositories') {
      jsons.set(name, parseJson((await readAll(entry, jsonBytes)).toString('utf8')));
      continue;
    }
    if (!name.endsWith('/layer.tar') && !name.startsWith('blobs/')) {
      await readAll(entry, 0);
      continue;
    }
    const { head, whole } = await peek(entry, 512);
    // A legacy layer.tar is a tar by name; an empty one is only zero blocks and has no ustar magic.
    const kind = name.endsWith('/layer.tar') || head.every((byte) => byte === 0) ? 'tar' : sniff(head);
    if (kind === 'json') {
      jsons.set(name, parseJson((await readAll(whole, jsonBytes)).toString('utf8')));
      continue;
    }
    const inflate = decompressor(kind);
    if (kind !== 'tar' && !inflate) {
      await readAll(whole, 0);
      continue;
    }
    const record = await scanLayer(whole, inflate, needles);
    bytesRead += record.bytes;
    layers.set(name, record);
  }
  await feeding;
  return assemble({ layers, jsons, links, needles, bytesRead, started });
}

function resolveLink(from: string, target: string): string {
  const parts = parentOf(from).split('/').filter(Boolean);
  for (const part of target.split('/')) {
    if (part === '..') parts.pop();
    else if (part !== '.' && part !== '') parts.push(part);
  }
  return parts.join('/');
}

interface Collected {
  layers: Map<string, LayerRecord>;
  jsons: Map<string, unknown>;
  links: Map<string, string>;
  needles: readonly Secret[];
  bytesRead: number;
  started: number;
}

function assemble({ layers, jsons, links, needles, bytesRead, started }: Collected): LayerScan {
  const manifest = (jsons.get('manifest.json') as SaveManifest[] | undefined)?.[0];
  if (!manifest) throw new Error('the docker save archive has no manifest.json');
  const config = (jsons.get(normalise(manifest.Config)) ?? {}) as ImageConfigJson;
  const diffIds = config.rootfs?.diff_ids ?? [];
  const history = (config.history ?? []).filter((step) => !step.empty_layer);
  const ordered = manifest.Layers.map((layerPath, index) => {
    let key = normalise(layerPath);
    for (let hops = 0; !layers.has(key) && links.has(key) && hops < 8; hops++) key = links.get(key)!;
    const record = layers.get(key);
    if (!record) throw new Error(`the docker save archive lists layer ${layerPath} but does not hold it`);
    return { record, index };
  });
  const records = ordered.map(({ record }) => record);
  const summaries: LayerSummary[] = ordered.map(({ record, index }) => ({
    index,
    diffId: diffIds[index] ?? '',
    createdBy: describeStep(history[index]?.created_by ?? '', needles),
    bytes: record.bytes,
  }));

  const secretFiles: SecretFile[] = [];
  const specialFiles: SpecialFile[] = [];
  const files: Record<string, string> = {};
  records.forEach((record, index) => {
    for (const secret of record.secrets) {
      const removedBy = removal(records, index, secret.path);
      secretFiles.push({
        path: `/${secret.path}`,
        layer: index,
        what: secret.what,
        ...(removedBy ? { removedBy } : {}),
      });
    }
    for (const special of record.special) {
      if (removal(records, index, special.path)) continue;
      const bits = (special.mode & 0o6000) === 0o6000 ? 'setuid+setgid' : special.mode & 0o4000 ? 'setuid' : 'setgid';
      specialFiles.push({ path: `/${special.path}`, layer: index, mode: special.mode, bits });
    }
    for (const [path, text] of record.kept) if (!removal(records, index, path)) files[path] = text;
  });
  return { layers: summaries, secretFiles, specialFiles, files, bytesRead, durationMs: Date.now() - started };
}

/** Whether a later layer deleted (whiteout, opaque directory) or replaced a path of this layer. */
function removal(records: LayerRecord[], index: number, path: string): Removal | undefined {
  const ancestors: string[] = [];
  for (let dir = parentOf(path); dir !== ''; dir = parentOf(dir)) ancestors.push(dir);
  for (let later = index + 1; later < records.length; later++) {
    const record = records[later]!;
    if (record.whiteouts.has(path) || ancestors.some((dir) => record.whiteouts.has(dir))) {
      return { layer: later, how: 'deleted' };
    }
    if (ancestors.some((dir) => record.opaqueDirs.has(dir))) {
      return { layer: later, how: 'deleted' };
    }
    if (record.paths.has(path)) return { layer: later, how: 'replaced' };
  }
  return undefined;
}

// ------------------------------------------------------------- images

const cache = new Map<string, Promise<LayerScan>>();

/**
 * Scans an image's layers through the Docker API (docker save), once per
 * image id and set of needles: the checks of a run share the result.
 */
export async function scanImageLayers(image: string, needles: readonly Secret[]): Promise<LayerScan> {
  const docker = (await getContainerRuntimeClient()).container.dockerode;
  const { Id: id } = await docker.getImage(image).inspect();
  const key = `${id}\n${needles.map((needle) => `${needle.name}=${needle.value}`).join('\n')}`;
  let scan = cache.get(key);
  if (!scan) {
    scan = docker
      .getImage(id)
      .get()
      .then((archive) => scanSaveArchive(archive as Readable, needles));
    cache.set(key, scan);
    // A failed read (Docker restarting, disk full) is retried by the next check, not cached.
    scan.catch(() => cache.delete(key));
  }
  return scan;
}

/** Where a secret file is, for evidence: its layer, the step that made it, and whether it still shows. */
export function describeSecretFile(scan: LayerScan, file: SecretFile): string {
  const layer = scan.layers[file.layer];
  const origin = `layer ${file.layer + 1} of ${scan.layers.length}${layer?.createdBy ? ` (${layer.createdBy})` : ''}`;
  const removed = file.removedBy
    ? `; ${file.removedBy.how} by layer ${file.removedBy.layer + 1}, but still readable in layer ${file.layer + 1}`
    : '';
  return `${file.path}: ${file.what}, in ${origin}${removed}`;
}

/** A history step as the Dockerfile line it came from, shortened, with canaries and credentials redacted. */
export function describeStep(createdBy: string, needles: readonly Secret[] = []): string {
  const step = redact(
    createdBy
      .replace(/^\/bin\/sh -c #\(nop\)\s*/, '')
      .replace(/^\|\d+ (\S+=\S*\s+)*/, '')
      .replace(/^\/bin\/sh -c /, 'RUN ')
      .trim(),
    needles,
  );
  return step.length > 100 ? `${step.slice(0, 97)}...` : step || '(base image)';
}
