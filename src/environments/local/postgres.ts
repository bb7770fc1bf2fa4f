import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PostgreSqlContainer, type StartedPostgreSqlContainer } from '@testcontainers/postgresql';
import { generate } from 'selfsigned';
import type { StartedNetwork } from 'testcontainers';
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
    .start();
  const urlInNetwork =
    `postgres://${container.getUsername()}:${container.getPassword()}@${postgresAlias}:5432/` +
    `${container.getDatabase()}?sslmode=require`;
  return { container, urlInNetwork };
}
