import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PostgreSqlContainer, type StartedPostgreSqlContainer } from '@testcontainers/postgresql';
import { generate } from 'selfsigned';
import { Wait, type GenericContainer, type StartedNetwork } from 'testcontainers';
import { runLabels } from '../../support/run-resources.ts';

export const postgresAlias = 'postgres';

export interface StartedPostgres {
  container: StartedPostgreSqlContainer;
  /** How a container on the run's network reaches it; sslmode=require as on Railway. */
  urlInNetwork: string;
}

/** A self-signed server certificate, like Railway's postgres-ssl image presents. */
async function writeSelfSignedCertificate(): Promise<{ cert: string; key: string }> {
  const pems = await generate([{ name: 'commonName', value: postgresAlias }], {
    keySize: 2048,
    algorithm: 'sha256',
  });
  const dir = await mkdtemp(path.join(tmpdir(), 'shipshape-pg-'));
  const cert = path.join(dir, 'server.crt');
  const key = path.join(dir, 'server.key');
  await writeFile(cert, pems.cert);
  await writeFile(key, pems.private, { mode: 0o600 });
  return { cert, key };
}

export async function startPostgres(image: string, network: StartedNetwork, runId: string): Promise<StartedPostgres> {
  const { cert, key } = await writeSelfSignedCertificate();
  const container = await new PostgreSqlContainer(image)
    .withNetwork(network)
    .withNetworkAliases(postgresAlias)
    .withLabels(runLabels(runId))
    .withDatabase('shipshape')
    .withUsername('shipshape')
    // A local, throwaway credential; the report never prints connection strings.
    .withPassword(`local-${runId}`)
    .withSSL(cert, key)
    // The module's default Docker healthcheck runs pg_isready through `docker exec` every 250 ms for the
    // container's whole life. An exec that starts while the harness pauses the container (fault checks do)
    // is caught in the frozen cgroup, and this engine then blocks docker unpause, inspect and stop on it:
    // the hung first runs (slow execs on a cold page cache widen the race). No healthcheck, no exec: the
    // harness waits for the server's own log line (printed twice: the init server, then the real one) and
    // the open port instead.
    // Docker's API takes ["NONE"] to disable a healthcheck; the module's type only lists CMD and CMD-SHELL.
    .withHealthCheck({ test: ['NONE'] as unknown as Parameters<GenericContainer['withHealthCheck']>[0]['test'] })
    .withWaitStrategy(
      Wait.forAll([Wait.forLogMessage(/database system is ready to accept connections/, 2), Wait.forListeningPorts()]),
    )
    .start();
  const urlInNetwork =
    `postgres://${container.getUsername()}:${container.getPassword()}@${postgresAlias}:5432/` +
    `${container.getDatabase()}?sslmode=require`;
  return { container, urlInNetwork };
}
