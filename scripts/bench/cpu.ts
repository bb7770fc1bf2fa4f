import type { StartedTestContainer } from 'testcontainers';
import { getContainerRuntimeClient } from 'testcontainers';

/** Cumulative CPU time (ns) of each container, from the Docker stats API (one sample, no stream). */
export async function cpuSample(containers: Record<string, StartedTestContainer>): Promise<Record<string, number>> {
  const docker = (await getContainerRuntimeClient()).container.dockerode;
  const entries = await Promise.all(
    Object.entries(containers).map(async ([role, container]) => {
      const stats = await docker.getContainer(container.getId()).stats({ stream: false });
      return [role, stats.cpu_stats.cpu_usage.total_usage] as const;
    }),
  );
  return Object.fromEntries(entries);
}

/**
 * CPU milliseconds each container spent per measured request: on a 2-core
 * machine the processes behind a query compete for the same cores, so this
 * says where the time goes better than wall-clock figures alone.
 */
export function cpuPerRequest(
  before: Record<string, number>,
  after: Record<string, number>,
  requests: number,
  seconds: number,
): Record<string, { cpuMsPerRequest: number; coresBusy: number }> {
  return Object.fromEntries(
    Object.keys(before).map((role) => {
      const ns = (after[role] ?? 0) - (before[role] ?? 0);
      return [
        role,
        {
          cpuMsPerRequest: requests ? Math.round((ns / 1e6 / requests) * 1000) / 1000 : 0,
          coresBusy: Math.round((ns / 1e9 / seconds) * 100) / 100,
        },
      ];
    }),
  );
}
