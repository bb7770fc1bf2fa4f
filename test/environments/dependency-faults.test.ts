/**
 * The fault helpers suites 3.1 and 3.2 use break real containers and always
 * bring them back: a paused PostgreSQL stops answering and answers again, a
 * restarted one is found at its new mapped port, and the Cohere stand-in
 * fails on request and recovers when told.
 */
import pg from 'pg';
import { Network, type StartedNetwork } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import type { LocalTargetInfo } from '../../src/environments/info.ts';
import { DependencyFaults } from '../../src/environments/local/faults.ts';
import { resolveImages } from '../../src/environments/local/images.ts';
import { postgresAlias, startPostgres, type StartedPostgres } from '../../src/environments/local/postgres.ts';
import { removeRunResources, runNetworkNames } from '../../src/support/run-resources.ts';
import { cohereAlias, coherePort, startCohere, type StartedCohere } from '../../src/environments/local/standins.ts';
import { newRunId } from '../../src/environments/run-context.ts';

process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
const runId = newRunId();
const cohereKey = `canary-cohere-${runId}`;
let network: StartedNetwork;
let postgres: StartedPostgres;
let cohere: StartedCohere;
let faults: DependencyFaults;

beforeAll(async () => {
  const config = await loadConfig({ envName: 'local' });
  const images = await resolveImages(config.images, ['postgres', 'cohere']);
  network = await new Network(runNetworkNames(runId)).start();
  [postgres, cohere] = await Promise.all([
    startPostgres(images.postgres, network, runId),
    startCohere(images.cohere!, network, runId, cohereKey),
  ]);
  faults = new DependencyFaults(localInfo());
});

function localInfo(): LocalTargetInfo {
  return {
    image: 'unused',
    buildArgs: {},
    networkName: network.getName(),
    alias: 'backend',
    environment: {},
    dependencies: {
      postgres: {
        containerId: postgres.container.getId(),
        alias: postgresAlias,
        port: 5432,
        database: postgres.container.getDatabase(),
        user: postgres.container.getUsername(),
        password: postgres.container.getPassword(),
      },
      // Not started here: the helpers address each dependency by its own container id.
      qdrant: { containerId: 'absent', alias: 'qdrant', port: 6333 },
      cohere: { containerId: cohere.container.getId(), alias: cohereAlias, port: coherePort },
    },
  };
}

/** Every dependency present (restoreAll looks at each): the Cohere stand-in stands in for Qdrant too. */
function allPresent(signal?: AbortSignal): DependencyFaults {
  const info = localInfo();
  info.dependencies!.qdrant = { ...info.dependencies!.cohere, alias: 'qdrant' };
  return new DependencyFaults(info, signal);
}

afterAll(async () => {
  await removeRunResources(runId);
});

/** One query through the harness's admin URL, bounded so a frozen server fails fast. */
async function selectOne(timeoutMs = 3_000): Promise<string> {
  const client = new pg.Client({
    connectionString: await faults.postgresAdminUrl(),
    ssl: { rejectUnauthorized: false },
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
  });
  try {
    await client.connect();
    const result = await client.query<{ one: number }>('SELECT 1 AS one');
    return `answered ${result.rows[0]?.one}`;
  } catch (error) {
    return `failed: ${(error as Error).message}`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

describe('PostgreSQL faults', () => {
  it('answers through the admin URL, with TLS', async () => {
    expect(await selectOne()).toBe('answered 1');
  });

  it('stops answering while paused and answers again once withOutage returns', async () => {
    const during = await faults.withOutage('postgres', 'pause', () => selectOne(1_500));
    expect(during).toMatch(/^failed: /);
    expect(await selectOne()).toBe('answered 1');
  });

  it('restores a stopped database even when the work during the outage throws', async () => {
    await expect(
      faults.withOutage('postgres', 'stop', async () => {
        throw new Error('probe failed mid-outage');
      }),
    ).rejects.toThrow('probe failed mid-outage');
    await expect.poll(() => selectOne(), { timeout: 30_000, interval: 500 }).toBe('answered 1');
  });

  it('finds a restarted database at its new mapped port', async () => {
    await faults.restart('postgres');
    await expect.poll(() => selectOne(), { timeout: 30_000, interval: 500 }).toBe('answered 1');
  });
});

describe('what a check leaves behind', () => {
  it('restoreAll undoes a pause the check left, says so, and returns once the database answers', async () => {
    const check = allPresent();
    await check.pause('postgres');
    expect(await check.restoreAll()).toEqual(['postgres unpaused']);
    expect(await selectOne()).toBe('answered 1');
    // Nothing left: a second call has nothing to undo.
    expect(await check.restoreAll()).toEqual([]);
  });

  it('restoreAll starts a stopped database and clears the Cohere faults a check injected', async () => {
    const check = allPresent();
    await check.stop('postgres');
    await check.cohereFault({ path: '*', status: 500 });
    expect(await check.restoreAll()).toEqual(['postgres started again', '1 Cohere fault(s) cleared']);
    expect(await selectOne()).toBe('answered 1');
  });

  it("injects no new fault once the check's time is up", async () => {
    const late = allPresent(AbortSignal.abort());
    await expect(late.pause('postgres')).rejects.toThrow(/time is up/);
    await expect(late.cohereFault({ path: '*', status: 500 })).rejects.toThrow(/time is up/);
    expect(await selectOne()).toBe('answered 1');
  });
});

describe('Cohere stand-in faults', () => {
  async function embed(): Promise<{ status: number; retryAfter: string | null }> {
    const response = await fetch(`${await faults.mappedUrl('cohere')}/v2/embed`, {
      method: 'POST',
      headers: { authorization: `Bearer ${cohereKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'embed-english-v3.0',
        texts: ['hello'],
        input_type: 'search_query',
        embedding_types: ['float'],
      }),
    });
    return { status: response.status, retryAfter: response.headers.get('retry-after') };
  }

  it('fails as told, for as many calls as told, and recovers when cleared', async () => {
    expect((await embed()).status).toBe(200);
    await faults.cohereFault({ path: '/v2/embed', status: 429, retryAfterSeconds: 2, times: 1 });
    expect(await embed()).toEqual({ status: 429, retryAfter: '2' });
    expect((await embed()).status).toBe(200);
    await faults.cohereFault({ path: '*', status: 500 });
    expect((await embed()).status).toBe(500);
    await faults.clearCohereFaults();
    expect((await embed()).status).toBe(200);
  });

  it('says when the stand-in refuses a fault', async () => {
    await expect(faults.cohereFault({ path: '/v2/embed', status: 99 })).rejects.toThrow(
      /the Cohere stand-in refused the fault \(400\)/,
    );
  });
});
