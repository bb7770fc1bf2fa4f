/**
 * The stand-in's image: builds from the air-gapped base, starts under
 * @testcontainers/qdrant exactly as Qdrant would, honours withApiKey, and keeps
 * its data across a restart when /qdrant/storage is mounted.
 */
import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { QdrantClient } from '@qdrant/js-client-rest';
import { QdrantContainer, type StartedQdrantContainer } from '@testcontainers/qdrant';
import { getContainerRuntimeClient } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../../src/config/load.ts';
import { buildImage } from '../../../src/environments/local/image-build.ts';
import { resolveImages } from '../../../src/environments/local/images.ts';
import { removeRunResources, runLabels } from '../../../src/support/run-resources.ts';
import { newRunId } from '../../../src/environments/run-context.ts';
import { clientError } from './support.ts';

process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
const runId = newRunId();
const image = 'shipshape-standin/qdrant:latest';
const context = path.resolve(import.meta.dirname, '../../../fixtures/standins/qdrant');
const dirs: string[] = [];

beforeAll(async () => {
  const config = await loadConfig({ envName: 'local' });
  const images = await resolveImages(config.images, ['base']);
  await buildImage({ context, dockerfile: 'Dockerfile', buildArgs: { BASE_IMAGE: images.base }, tag: image });
  // The client warns that an api key travels over http; these tests mean to.
  vi.spyOn(console, 'warn').mockImplementation(() => undefined);
});

afterAll(async () => {
  vi.restoreAllMocks();
  await removeRunResources(runId);
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** Only the loopback address, whatever testcontainers' getHost() says. */
function clientFor(container: StartedQdrantContainer, apiKey?: string): QdrantClient {
  return new QdrantClient({
    url: `http://127.0.0.1:${container.getMappedPort(6333)}`,
    apiKey,
    checkCompatibility: false,
  });
}

describe.concurrent('Qdrant stand-in image', () => {
  it('runs node src/main.ts as the non-root node user and exposes 6333', async () => {
    const docker = (await getContainerRuntimeClient()).container.dockerode;
    const { Config } = await docker.getImage(image).inspect();
    expect(Config.User).toBe('node');
    expect(Config.Cmd).toEqual(['node', 'src/main.ts']);
    expect(Object.keys(Config.ExposedPorts ?? {})).toContain('6333/tcp');
  });

  it('starts under QdrantContainer and answers the official client', async () => {
    const container = await new QdrantContainer(image).withLabels(runLabels(runId)).start();
    const client = clientFor(container);
    expect(await client.versionInfo()).toMatchObject({
      title: 'shipshape Qdrant stand-in (not Qdrant)',
      version: '1.19.0',
    });
    await client.createCollection('docs', { vectors: { size: 3, distance: 'Cosine' } });
    await client.upsert('docs', {
      wait: true,
      points: [
        { id: 1, vector: [1, 0, 0], payload: { title: 'x axis' } },
        { id: 2, vector: [0, 1, 0], payload: { title: 'y axis' } },
      ],
    });
    const { points } = await client.query('docs', { query: [0.1, 0.9, 0], limit: 1, with_payload: true });
    expect(points).toMatchObject([{ id: 2, payload: { title: 'y axis' } }]);
  });

  it('honours withApiKey: 401 without the key, full access with it', async () => {
    const container = await new QdrantContainer(image).withApiKey('container-key').withLabels(runLabels(runId)).start();
    const failure = await clientError(clientFor(container).getCollections());
    expect(failure.status).toBe(401);
    expect(
      await clientFor(container, 'container-key').createCollection('keyed', { vectors: { size: 2, distance: 'Dot' } }),
    ).toBe(true);
  });

  it('keeps data across container.restart() with /qdrant/storage mounted', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'qdrant-standin-volume-'));
    dirs.push(dir);
    // The container runs as node (uid 1000); the host directory must let it write.
    await chmod(dir, 0o777);
    const container = await new QdrantContainer(image)
      .withBindMounts([{ source: dir, target: '/qdrant/storage' }])
      .withLabels(runLabels(runId))
      .start();
    const before = clientFor(container);
    await before.createCollection('kept', { vectors: { size: 2, distance: 'Euclid' } });
    await before.upsert('kept', { wait: true, points: [{ id: 7, vector: [0.5, 0.25], payload: { survives: true } }] });

    // testcontainers restarts with timeout 0 (SIGKILL): only what wait=true made durable can come back.
    await container.restart();
    const after = clientFor(container);
    expect(await after.retrieve('kept', { ids: [7], with_vector: true })).toEqual([
      { id: 7, payload: { survives: true }, vector: [0.5, 0.25] },
    ]);
    expect(await readdir(path.join(dir, 'collections'))).toEqual(['kept']);
  });
});
