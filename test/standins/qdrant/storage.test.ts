import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { conformanceProblems, startStandin, type RunningStandin } from './support.ts';

const running: RunningStandin[] = [];
const dirs: string[] = [];

async function start(storagePath: string): Promise<RunningStandin> {
  const standin = await startStandin({ storagePath });
  running.push(standin);
  return standin;
}

async function storageDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'qdrant-standin-'));
  dirs.push(dir);
  return dir;
}

afterEach(async () => {
  for (const standin of running.splice(0)) {
    expect(conformanceProblems(standin.exchanges)).toEqual([]);
    await standin.close();
  }
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('Qdrant stand-in: storage', () => {
  it('keeps collections, points, vectors, payload indexes and operation ids across a restart', async () => {
    const dir = await storageDir();
    const first = await start(dir);
    const client = first.client();
    await client.createCollection('kept', { vectors: { size: 3, distance: 'Cosine' } });
    await client.upsert('kept', {
      wait: true,
      points: [
        { id: 1, vector: [0.1, 0.2, 0.3], payload: { lang: 'en' } },
        { id: 2, vector: [3, 2, 1], payload: { lang: 'de' } },
        { id: 3, vector: [1, 1, 1] },
      ],
    });
    await client.delete('kept', { wait: true, points: [3] });
    const index = await client.createPayloadIndex('kept', { field_name: 'lang', field_schema: 'keyword', wait: true });
    const before = await client.retrieve('kept', { ids: [1, 2], with_vector: true });
    await first.close();

    const second = await start(dir);
    const again = second.client();
    expect(await again.retrieve('kept', { ids: [1, 2, 3], with_vector: true })).toEqual(before);
    expect((await again.getCollection('kept')).payload_schema).toEqual({ lang: { data_type: 'keyword', points: 2 } });
    const next = await again.upsert('kept', { wait: true, points: [{ id: 4, vector: [1, 0, 0] }] });
    expect(next.operation_id).toBe(index.operation_id! + 1);
  });

  it('has written the point to disk when an upsert with wait=true returns', async () => {
    const dir = await storageDir();
    const client = (await start(dir)).client();
    await client.createCollection('durable', { vectors: { size: 2, distance: 'Dot' } });
    await client.upsert('durable', {
      wait: true,
      points: [{ id: 42, vector: [1, 2], payload: { marker: 'on-disk' } }],
    });
    const log = await readFile(path.join(dir, 'collections', 'durable', 'points.ndjson'), 'utf8');
    expect(log).toContain('"marker":"on-disk"');
    expect(log).toContain('"id":42');
  });

  it('ignores a torn last log line and forgets deleted collections', async () => {
    const dir = await storageDir();
    const first = await start(dir);
    const client = first.client();
    await client.createCollection('torn', { vectors: { size: 2, distance: 'Dot' } });
    await client.createCollection('gone', { vectors: { size: 2, distance: 'Dot' } });
    await client.upsert('torn', { wait: true, points: [{ id: 1, vector: [1, 2] }] });
    await client.deleteCollection('gone');
    await first.close();
    await appendFile(path.join(dir, 'collections', 'torn', 'points.ndjson'), '{"op":"upsert","v":9,"poi');

    const again = (await start(dir)).client();
    expect(await again.count('torn')).toEqual({ count: 1 });
    expect((await again.getCollections()).collections.map((c) => c.name)).toEqual(['torn']);
  });
});
