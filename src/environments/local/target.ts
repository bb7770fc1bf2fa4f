import {
  GenericContainer,
  getContainerRuntimeClient,
  type StartedTestContainer,
  type WaitStrategy,
} from 'testcontainers';
import { describeFetchError } from '../../support/http.ts';
import { runLabels } from '../../support/run-resources.ts';

/**
 * Resolves once the container runs: the harness measures time-to-healthy
 * itself, and testcontainers' own strategies remove a container that fails to
 * become ready, which would lose the logs the report needs.
 */
class ContainerStarted implements WaitStrategy {
  private timeoutMs = 60_000;
  async waitUntilReady(): Promise<void> {}
  withStartupTimeout(startupTimeoutMs: number): WaitStrategy {
    this.timeoutMs = startupTimeoutMs;
    return this;
  }
  isStartupTimeoutSet(): boolean {
    return true;
  }
  getStartupTimeout(): number {
    return this.timeoutMs;
  }
}

export interface TargetRun {
  image: string;
  networkName: string;
  runId: string;
  port: number;
  environment: Record<string, string>;
  aliases?: string[];
}

export interface StartedTarget {
  container: StartedTestContainer;
  baseUrl: string;
}

export async function startTargetContainer(run: TargetRun): Promise<StartedTarget> {
  const container = await new GenericContainer(run.image)
    .withNetworkMode(run.networkName)
    .withNetworkAliases(...(run.aliases ?? []))
    .withLabels(runLabels(run.runId))
    .withEnvironment({ ...run.environment, PORT: String(run.port) })
    .withExposedPorts(run.port)
    .withWaitStrategy(new ContainerStarted())
    .start();
  return { container, baseUrl: `http://127.0.0.1:${container.getMappedPort(run.port)}` };
}

export type HealthOutcome =
  { healthy: true; afterMs: number } | { healthy: false; afterMs: number; reason: string; logs: string };

/**
 * Polls `healthPath` until it answers 200, the container exits, or the bound
 * passes. Only 127.0.0.1 and the mapped port are ever contacted.
 */
export async function waitForHealthy(
  target: StartedTarget,
  healthPath: string,
  withinMs: number,
): Promise<HealthOutcome> {
  const started = Date.now();
  let lastError = 'no answer yet';
  while (Date.now() - started < withinMs) {
    const state = await containerState(target.container);
    if (!state.running) {
      return {
        healthy: false,
        afterMs: Date.now() - started,
        reason: `the container exited with code ${state.exitCode} before answering ${healthPath}`,
        logs: await containerLogs(target.container),
      };
    }
    try {
      const response = await fetch(`${target.baseUrl}${healthPath}`, { signal: AbortSignal.timeout(2_000) });
      if (response.status === 200) return { healthy: true, afterMs: Date.now() - started };
      lastError = `${healthPath} answered ${response.status}`;
    } catch (error) {
      lastError = describeFetchError(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return {
    healthy: false,
    afterMs: Date.now() - started,
    reason: `${healthPath} did not answer 200 within ${withinMs} ms (last: ${lastError})`,
    logs: await containerLogs(target.container),
  };
}

export async function containerState(container: StartedTestContainer): Promise<{ running: boolean; exitCode: number }> {
  const client = await getContainerRuntimeClient();
  const inspect = await client.container.getById(container.getId()).inspect();
  return { running: inspect.State.Running, exitCode: inspect.State.ExitCode };
}

/** The last lines of the container's output, for the report's evidence. */
export async function containerLogs(container: StartedTestContainer, lines = 60): Promise<string> {
  const stream = await container.logs({ tail: lines });
  return new Promise((resolve) => {
    let text = '';
    stream.on('data', (chunk: Buffer | string) => (text += chunk.toString()));
    stream.on('end', () => resolve(text.trimEnd()));
    stream.on('error', () => resolve(text.trimEnd()));
    setTimeout(() => resolve(text.trimEnd()), 2_000);
  });
}
