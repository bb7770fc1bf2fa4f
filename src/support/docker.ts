/**
 * One-off containers for the production-readiness probes, through the Docker
 * API: a target started without a variable (which should exit at once, so
 * testcontainers' port bookkeeping does not fit), a helper that calls the
 * target from inside the run's network, the main target's whole output.
 * Every container carries the run's label and is removed by whoever made it.
 */
import type Dockerode from 'dockerode';
import { getContainerRuntimeClient } from 'testcontainers';
import { runLabels } from './run-resources.ts';
import { demuxDockerLog, type OutputLine } from './log-lines.ts';

export interface OneOffSpec {
  image: string;
  networkName: string;
  runId: string;
  environment: Record<string, string>;
  /** Replaces the image's CMD. */
  command?: string[];
  /** Names on the network, besides the container's own. */
  aliases?: string[];
}

async function docker(): Promise<Dockerode> {
  return (await getContainerRuntimeClient()).container.dockerode;
}

/** Creates and starts a container on the run's network; nothing is published to the host. */
export async function startOneOff(spec: OneOffSpec): Promise<Dockerode.Container> {
  const client = await docker();
  const container = await client.createContainer({
    Image: spec.image,
    Env: Object.entries(spec.environment).map(([name, value]) => `${name}=${value}`),
    Labels: runLabels(spec.runId),
    ...(spec.command ? { Cmd: spec.command } : {}),
    HostConfig: { NetworkMode: spec.networkName },
    NetworkingConfig: { EndpointsConfig: { [spec.networkName]: { Aliases: spec.aliases ?? [] } } },
  });
  try {
    await container.start();
  } catch (error) {
    await removeOneOff(container);
    throw error;
  }
  return container;
}

export interface ExitOutcome {
  /** null: still running when the bound passed. */
  exitCode: number | null;
  afterMs: number;
}

/** Polls the container's state until it exits or `withinMs` passes (measured from `since`). */
export async function waitForExit(
  container: Dockerode.Container,
  withinMs: number,
  since = Date.now(),
): Promise<ExitOutcome> {
  for (;;) {
    const state = (await container.inspect()).State;
    const afterMs = Date.now() - since;
    if (!state.Running && state.Status !== 'created') return { exitCode: state.ExitCode, afterMs };
    if (afterMs >= withinMs) return { exitCode: null, afterMs };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The container's output, stdout and stderr, line by line; `sinceSeconds` limits it to lines after a Unix time. */
export async function outputLines(
  container: Dockerode.Container,
  options: { tail?: number; sinceSeconds?: number } = {},
): Promise<OutputLine[]> {
  const payload = (await container.logs({
    stdout: true,
    stderr: true,
    follow: false,
    ...(options.tail !== undefined ? { tail: options.tail } : {}),
    ...(options.sinceSeconds !== undefined ? { since: options.sinceSeconds } : {}),
  })) as unknown as Buffer;
  return demuxDockerLog(Buffer.isBuffer(payload) ? payload : Buffer.from(String(payload)));
}

export async function containerById(id: string): Promise<Dockerode.Container> {
  return (await docker()).getContainer(id);
}

/** Force-removes the container and its anonymous volumes; a container already gone is fine. */
export async function removeOneOff(container: Dockerode.Container): Promise<void> {
  await container.remove({ force: true, v: true }).catch(() => undefined);
}

/** Runs `work` on each item with at most `limit` at a time, keeping the items' order in the results. */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  });
  await Promise.all(workers);
  return results;
}
