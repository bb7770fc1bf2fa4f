/**
 * Search latency of the Qdrant stand-in: starts it in-process on 127.0.0.1,
 * loads 10,000 random 1024-dimensional points into a Cosine collection, then
 * times a bounded number of searches (limit 10) through the official client.
 * Prints p50/p95/p99/max, writes reports/bench/qdrant-standin-<timestamp>.json,
 * and exits 1 when p95 reaches the target.
 *
 *   node scripts/bench-qdrant-standin.ts
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { QdrantClient } from '@qdrant/js-client-rest';
import * as hdr from 'hdr-histogram-js';
import { buildServer } from '../fixtures/standins/qdrant/src/server.ts';

const settings = { points: 10_000, dims: 1024, batchSize: 250, searches: 300, warmup: 20, limit: 10, p95TargetMs: 50 };

/** mulberry32: reproducible vectors, so two runs measure the same work. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const next = random(20261124);
const vector = (): number[] => Array.from({ length: settings.dims }, () => next() * 2 - 1);

const app = await buildServer();
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
if (!address || typeof address === 'string') throw new Error('stand-in did not bind a TCP port');
const client = new QdrantClient({ url: `http://127.0.0.1:${address.port}`, checkCompatibility: false });

try {
  await client.createCollection('bench', { vectors: { size: settings.dims, distance: 'Cosine' } });
  const loadStarted = performance.now();
  for (let start = 0; start < settings.points; start += settings.batchSize) {
    const ids = Array.from({ length: Math.min(settings.batchSize, settings.points - start) }, (_, i) => start + i);
    await client.upsert('bench', {
      wait: true,
      batch: { ids, vectors: ids.map(vector), payloads: ids.map((i) => ({ i })) },
    });
  }
  const loadMs = performance.now() - loadStarted;
  const { count } = await client.count('bench');
  if (count !== settings.points) throw new Error(`expected ${settings.points} points, the stand-in holds ${count}`);

  for (let i = 0; i < settings.warmup; i++) await client.query('bench', { query: vector(), limit: settings.limit });
  // Microseconds, 3 significant digits: enough resolution for sub-millisecond searches.
  const histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
  });
  for (let i = 0; i < settings.searches; i++) {
    const query = vector();
    const started = performance.now();
    const { points } = await client.query('bench', { query, limit: settings.limit });
    histogram.recordValue(Math.max(1, Math.round((performance.now() - started) * 1000)));
    if (points.length !== settings.limit) throw new Error(`search ${i} returned ${points.length} points`);
  }
  const ms = (micros: number): number => Math.round(micros) / 1000;
  const latency = {
    p50: ms(histogram.getValueAtPercentile(50)),
    p95: ms(histogram.getValueAtPercentile(95)),
    p99: ms(histogram.getValueAtPercentile(99)),
    max: ms(histogram.maxValue),
    mean: ms(histogram.mean),
  };
  const passed = latency.p95 < settings.p95TargetMs;
  console.table({ 'search latency (ms)': latency });
  console.log(
    `${settings.points} points x ${settings.dims} dims loaded in ${(loadMs / 1000).toFixed(1)} s; ` +
      `${settings.searches} searches; p95 ${latency.p95} ms ${passed ? '<' : '>='} target ${settings.p95TargetMs} ms`,
  );
  const timestamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = path.resolve('reports/bench', `qdrant-standin-${timestamp}.json`);
  await mkdir(path.dirname(file), { recursive: true });
  const machine = { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', node: process.version };
  await writeFile(
    file,
    `${JSON.stringify({ settings, loadMs: Math.round(loadMs), latencyMs: latency, passed, machine }, null, 2)}\n`,
  );
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
  process.exitCode = passed ? 0 : 1;
} finally {
  await app.close();
}
