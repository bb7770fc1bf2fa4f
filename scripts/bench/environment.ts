import path from 'node:path';
import type { StartedTestContainer } from 'testcontainers';
import type { ResolvedConfig } from '../../src/config/load.ts';
import { LocalEnvironment } from '../../src/environments/local/local-environment.ts';
import { containerLogs } from '../../src/environments/local/target.ts';
import { progress, seconds } from '../../src/support/progress.ts';

/** The environment could not be brought up: the benchmark did not run (exit 2), not a slow backend. */
export class BenchSetupError extends Error {
  override name = 'BenchSetupError';
}

/** Overrides on top of the local environment's variables, so neither the limiter nor logging shapes the figures. */
export const benchTargetEnvironment = { RATE_LIMIT_PER_MINUTE: '100000000', LOG_LEVEL: 'warn' } as const;

export interface BenchEnvironment {
  baseUrl: string;
  adminToken: string;
  /** The dependencies' mapped ports and keys, for --profile to load or watch them directly. */
  standins: {
    cohereUrl: string;
    cohereKey: string;
    qdrantUrl: string;
    qdrantKey: string;
    collection: string;
    postgresUri: string;
  };
  images: Record<string, string>;
  substituted: string[];
  buildMs: number;
  /** Containers by role, for CPU accounting. */
  containers: Record<'backend' | 'postgres' | 'qdrant' | 'cohere', StartedTestContainer>;
}

/**
 * The local environment the suites run against (LocalEnvironment: same image,
 * network, stand-ins and canary secrets), plus the overrides above.
 */
export async function startBenchEnvironment(
  config: ResolvedConfig,
  runId: string,
  extraEnvironment: Record<string, string> = {},
): Promise<BenchEnvironment> {
  const started = await new LocalEnvironment(config, runId, path.resolve(config.root, 'reports', 'bench'))
    .withTargetEnvironment({ ...benchTargetEnvironment, ...extraEnvironment })
    .start();
  const local = started.info.local!;
  const failure = local.buildFailure ?? local.startFailure;
  if (failure) throw new BenchSetupError(`${failure.message}\n${failure.evidence}`);
  const { target, postgres, qdrant, cohere } = started;
  // The benchmark needs every dependency up; a target without a readiness route is judged by its health route.
  const readyPath = config.target.paths.ready ?? config.target.paths.health;
  await waitForReady(target!.baseUrl, readyPath, config.thresholds.healthyWithinMs, () =>
    containerLogs(target!.container),
  );
  return {
    baseUrl: target!.baseUrl,
    adminToken: local.environment.ADMIN_TOKEN!,
    standins: {
      cohereUrl: cohere!.baseUrl,
      cohereKey: local.environment.COHERE_API_KEY!,
      qdrantUrl: qdrant!.baseUrl,
      qdrantKey: local.environment.QDRANT_API_KEY!,
      collection: local.environment.QDRANT_COLLECTION!,
      postgresUri: postgres!.container.getConnectionUri(),
    },
    images: started.info.images,
    // What the run used in place of a named image (the harness's own, and the target's FROM lines).
    substituted: (started.info.substitutions ?? []).map((entry) => `${entry.named} -> ${entry.substitute}`),
    buildMs: local.buildMs ?? 0,
    containers: {
      backend: target!.container,
      postgres: postgres!.container,
      qdrant: qdrant!.container,
      cohere: cohere!.container,
    },
  };
}

async function waitForReady(
  baseUrl: string,
  readyPath: string,
  withinMs: number,
  logs: () => Promise<string>,
): Promise<void> {
  const started = Date.now();
  let last = 'no answer yet';
  while (Date.now() - started < withinMs) {
    try {
      const response = await fetch(`${baseUrl}${readyPath}`, { signal: AbortSignal.timeout(3_000) });
      if (response.status === 200) {
        progress(`backend ready after ${seconds(Date.now() - started)}`);
        return;
      }
      last = `${response.status} ${await response.text()}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new BenchSetupError(`${readyPath} did not answer 200 within ${withinMs} ms (last: ${last})\n${await logs()}`);
}
