import { getContainerRuntimeClient } from 'testcontainers';
import { pauseBounded, unpauseIfPaused, withDeadline } from '../../support/bounded.ts';
import { withAdminClient } from '../../support/postgres-admin.ts';
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
  /** What this instance broke and has not yet seen restored: the runner undoes it whatever the check did. */
  private readonly ledger = new Set<DependencyName>();
  private cohereFaulted = false;

  /** Once aborted (the check ran out of time), no new fault is injected: the runner is restoring. */
  private readonly signal: AbortSignal | undefined;

  constructor(local: LocalTargetInfo, signal?: AbortSignal) {
    if (!local.dependencies) throw new Error('the local environment did not start its dependencies');
    this.dependencies = local.dependencies;
    this.signal = signal;
  }

  private refuseWhenAborted(what: string): void {
    if (this.signal?.aborted) throw new Error(`not ${what}: the check's time is up and its faults are being undone`);
  }

  dependency(name: DependencyName): DependencyInfo {
    return this.dependencies[name];
  }

  async pause(name: DependencyName): Promise<void> {
    this.refuseWhenAborted(`pausing ${name}`);
    this.ledger.add(name);
    await pauseBounded(await this.container(name));
  }

  async unpause(name: DependencyName): Promise<void> {
    await unpauseIfPaused(await this.container(name));
  }

  async stop(name: DependencyName): Promise<void> {
    this.refuseWhenAborted(`stopping ${name}`);
    this.ledger.add(name);
    await (await this.container(name)).stop({ t: 2 });
  }

  async start(name: DependencyName): Promise<void> {
    await (await this.container(name)).start();
  }

  async restart(name: DependencyName): Promise<void> {
    this.refuseWhenAborted(`restarting ${name}`);
    this.ledger.add(name);
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

  /** Brings a dependency back from a pause or a stop; a running one is left as it is. Says what it did. */
  async restore(name: DependencyName): Promise<string | undefined> {
    const container = await this.container(name);
    const unpaused = await unpauseIfPaused(container);
    if (unpaused) return `${name} ${unpaused}`;
    const state = (await withDeadline(container.inspect(), 10_000, `inspecting ${name}`)).State;
    if (!state.Running) {
      await withDeadline(container.start(), 30_000, `starting ${name}`);
      return `${name} started again`;
    }
    return undefined;
  }

  /**
   * Undoes every fault this instance injected and every dependency left
   * paused or stopped, then waits (bounded) until each answers again. The
   * runner calls it after each check, whether it passed, failed or timed out.
   * Returns what had to be undone: empty when the check cleaned up after itself.
   */
  async restoreAll(): Promise<string[]> {
    const undone: string[] = [];
    for (const name of Object.keys(this.dependencies) as DependencyName[]) {
      const did = await this.restore(name);
      if (did) undone.push(did);
    }
    if (this.cohereFaulted) {
      const active = await this.activeCohereFaults();
      await this.clearCohereFaults();
      if (active > 0) undone.push(`${active} Cohere fault(s) cleared`);
    }
    for (const name of this.ledger) await this.waitUntilServing(name);
    this.ledger.clear();
    return undone;
  }

  /** Polls until the dependency answers through its mapped port (a restarted PostgreSQL takes a moment). */
  async waitUntilServing(name: DependencyName, withinMs = 30_000): Promise<void> {
    const deadline = Date.now() + withinMs;
    let last = 'no answer yet';
    while (Date.now() < deadline) {
      try {
        if (name === 'postgres') {
          await withAdminClient({ url: await this.postgresAdminUrl() }, (client) => client.query('SELECT 1'));
        } else {
          await fetch(await this.mappedUrl(name), { signal: AbortSignal.timeout(2_000) });
        }
        return;
      } catch (error) {
        last = (error as Error).message;
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    throw new Error(`${name} did not answer within ${withinMs} ms after it was restored (last: ${last})`);
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
    this.refuseWhenAborted('injecting a Cohere fault');
    this.cohereFaulted = true;
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
    await fetch(`${await this.mappedUrl('cohere')}/_standin/faults`, {
      method: 'DELETE',
      signal: AbortSignal.timeout(5_000),
    });
    this.cohereFaulted = false;
  }

  private async activeCohereFaults(): Promise<number> {
    try {
      const response = await fetch(`${await this.mappedUrl('cohere')}/_standin/faults`, {
        signal: AbortSignal.timeout(5_000),
      });
      const body = (await response.json()) as unknown;
      const list = Array.isArray(body) ? body : ((body as { faults?: unknown[] }).faults ?? []);
      return list.length;
    } catch {
      return 0;
    }
  }

  private async container(name: DependencyName) {
    const client = await getContainerRuntimeClient();
    return client.container.dockerode.getContainer(this.dependencies[name].containerId);
  }
}
