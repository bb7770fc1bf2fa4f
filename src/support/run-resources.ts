import { getContainerRuntimeClient, type Uuid } from 'testcontainers';
import { unpauseIfPaused, withDeadline } from './bounded.ts';

/**
 * Every container a run creates carries this label and every network a name
 * with the run's prefix, so the runner can remove what a run left behind even
 * when a worker was killed mid-test (Ryuk, which would do this, cannot be
 * pulled on air-gapped machines).
 */
export const runLabel = 'dev.shipshape.run';

export function runLabels(runId: string): Record<string, string> {
  return { [runLabel]: runId };
}

export function networkPrefix(runId: string): string {
  return `shipshape-${runId}-`;
}

/** Names networks `shipshape-<run>-<n>` through testcontainers' Uuid hook. */
export function runNetworkNames(runId: string): Uuid {
  let counter = 0;
  return { nextUuid: () => `${networkPrefix(runId)}${++counter}-${process.pid}` };
}

export interface SweepResult {
  containers: number;
  networks: number;
}

/**
 * Removes every container and network of a run, each within a deadline.
 * Paused containers are unpaused first: this Docker engine blocks on removing
 * a paused container.
 */
export async function removeRunResources(runId: string, deadlineMs = 15_000): Promise<SweepResult> {
  const client = await getContainerRuntimeClient();
  const docker = client.container.dockerode;
  const containers = await withDeadline(
    docker.listContainers({ all: true, filters: { label: [`${runLabel}=${runId}`] } }),
    deadlineMs,
    "listing the run's containers",
  );
  await Promise.all(
    containers.map(async (info) => {
      const container = docker.getContainer(info.Id);
      if (info.State === 'paused') await unpauseIfPaused(container, deadlineMs / 2).catch(() => undefined);
      await withDeadline(
        container.remove({ force: true, v: true }),
        deadlineMs,
        `removing ${info.Names[0] ?? info.Id}`,
      ).catch(() => undefined);
    }),
  );
  const networks = await docker.listNetworks({ filters: { name: [networkPrefix(runId)] } });
  const ours = networks.filter((network) => network.Name.startsWith(networkPrefix(runId)));
  await Promise.all(
    ours.map((network) =>
      withDeadline(docker.getNetwork(network.Id).remove(), deadlineMs, `removing network ${network.Name}`).catch(
        () => undefined,
      ),
    ),
  );
  return { containers: containers.length, networks: ours.length };
}

/** Containers and networks of a run that still exist: the cleanup self-test asserts this is empty. */
export async function listRunResources(runId: string): Promise<{ containers: string[]; networks: string[] }> {
  const client = await getContainerRuntimeClient();
  const docker = client.container.dockerode;
  const containers = await docker.listContainers({ all: true, filters: { label: [`${runLabel}=${runId}`] } });
  const networks = await docker.listNetworks({ filters: { name: [networkPrefix(runId)] } });
  return {
    containers: containers.map((info) => info.Names[0] ?? info.Id),
    networks: networks.filter((n) => n.Name.startsWith(networkPrefix(runId))).map((n) => n.Name),
  };
}
