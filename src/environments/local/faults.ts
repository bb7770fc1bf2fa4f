import { getContainerRuntimeClient } from 'testcontainers';
import type { DependencyInfo, LocalTargetInfo, PostgresInfo } from '../info.ts';

/**
 * Fault injection for the local environment: break a dependency the way
 * production breaks it (a paused VM, a stopped service, a throttled API)
 * from a suite's worker process, by container id. Only local containers are
 * ever touched, and only through the Docker API and 127.0.0.1.
 */
export type DependencyName = 'postgres' | 'qdrant' | 'cohere';
export type Outage = 'pause' | 'stop';

export interface CohereFault {
  /** A Cohere path such as `/v2/chat`, or `*`. */
  path: string;
  status?: number;
  retryAfterSeconds?: number;
  latencyMs?: number;
  /** How many calls it applies to; omitted: until cleared. */
  times?: number;
}

export class DependencyFaults {
  private readonly dependencies: NonNullable<LocalTargetInfo['dependencies']>;

  constructor(local: LocalTargetInfo) {
    if (!local.dependencies) throw new Error('the local environment did not start its dependencies');
    this.dependencies = local.dependencies;
  }

  dependency(name: DependencyName): DependencyInfo {
    return this.dependencies[name];
  }

  async pause(name: DependencyName): Promise<void> {
    await (await this.container(name)).pause();
  }

  async unpause(name: DependencyName): Promise<void> {
    await (await this.container(name)).unpause();
  }

  async stop(name: DependencyName): Promise<void> {
    await (await this.container(name)).stop({ t: 2 });
  }

  async start(name: DependencyName): Promise<void> {
    await (await this.container(name)).start();
  }

  async restart(name: DependencyName): Promise<void> {
    await (await this.container(name)).restart({ t: 2 });
  }

  /**
   * Runs `during` while the dependency is out, and always brings it back,
   * whatever `during` throws: a suite must not leave the next one a broken
   * environment.
   */
  async withOutage<T>(name: DependencyName, outage: Outage, during: () => Promise<T>): Promise<T> {
    if (outage === 'pause') await this.pause(name);
    else await this.stop(name);
    try {
      return await during();
    } finally {
      await this.restore(name);
    }
  }

  /** Brings a dependency back from a pause or a stop; a running one is left as it is. */
  async restore(name: DependencyName): Promise<void> {
    const container = await this.container(name);
    const state = (await container.inspect()).State;
    if (state.Paused) await container.unpause();
    else if (!state.Running) await container.start();
  }

  /** Where the harness reaches the dependency now: 127.0.0.1 and its currently mapped port. */
  async mappedUrl(name: DependencyName, scheme = 'http'): Promise<string> {
    const dependency = this.dependencies[name];
    const inspect = await (await this.container(name)).inspect();
    const binding = inspect.NetworkSettings.Ports[`${dependency.port}/tcp`]?.find((entry) => entry.HostPort);
    if (!binding) throw new Error(`${name} has no mapped port for ${dependency.port} (is it running?)`);
    return `${scheme}://127.0.0.1:${binding.HostPort}`;
  }

  /** A superuser connection string for the harness's own queries (through the mapped port). */
  async postgresAdminUrl(): Promise<string> {
    const postgres: PostgresInfo = this.dependencies.postgres;
    const base = await this.mappedUrl('postgres', 'postgres');
    const credentials = `${encodeURIComponent(postgres.user)}:${encodeURIComponent(postgres.password)}`;
    return base.replace('postgres://', `postgres://${credentials}@`) + `/${postgres.database}`;
  }

  /** Tells the Cohere stand-in to fail (`POST /_standin/faults`). */
  async cohereFault(fault: CohereFault): Promise<void> {
    const response = await fetch(`${await this.mappedUrl('cohere')}/_standin/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(fault),
    });
    if (response.status !== 201) {
      throw new Error(`the Cohere stand-in refused the fault (${response.status}): ${await response.text()}`);
    }
  }

  async clearCohereFaults(): Promise<void> {
    await fetch(`${await this.mappedUrl('cohere')}/_standin/faults`, { method: 'DELETE' });
  }

  private async container(name: DependencyName) {
    const client = await getContainerRuntimeClient();
    return client.container.dockerode.getContainer(this.dependencies[name].containerId);
  }
}
