import { QdrantContainer, type StartedQdrantContainer } from '@testcontainers/qdrant';
import { GenericContainer, Wait, type StartedNetwork, type StartedTestContainer } from 'testcontainers';
import { runLabels } from '../../support/run-resources.ts';

export const qdrantAlias = 'qdrant';
export const cohereAlias = 'cohere';
export const coherePort = 8080;

export interface StartedQdrant {
  container: StartedQdrantContainer;
  urlInNetwork: string;
  /** Through the mapped port, for the harness. */
  baseUrl: string;
}

export interface StartedCohere {
  container: StartedTestContainer;
  urlInNetwork: string;
  baseUrl: string;
}

/** Qdrant, or its stand-in: @testcontainers/qdrant starts either (the stand-in prints the line it waits for). */
export async function startQdrant(
  image: string,
  network: StartedNetwork,
  runId: string,
  apiKey: string,
): Promise<StartedQdrant> {
  const container = await new QdrantContainer(image)
    .withNetwork(network)
    .withNetworkAliases(qdrantAlias)
    .withLabels(runLabels(runId))
    .withApiKey(apiKey)
    .start();
  return {
    container,
    urlInNetwork: `http://${qdrantAlias}:6333`,
    baseUrl: `http://127.0.0.1:${container.getMappedPort(6333)}`,
  };
}

/** The Cohere stand-in; its accepted key is the run's canary, so a leaked key is recognisable. */
export async function startCohere(
  image: string,
  network: StartedNetwork,
  runId: string,
  apiKey: string,
): Promise<StartedCohere> {
  const container = await new GenericContainer(image)
    .withNetwork(network)
    .withNetworkAliases(cohereAlias)
    .withLabels(runLabels(runId))
    .withEnvironment({ COHERE_API_KEY: apiKey, PORT: String(coherePort) })
    .withExposedPorts(coherePort)
    .withWaitStrategy(Wait.forHttp('/health', coherePort))
    .start();
  return {
    container,
    urlInNetwork: `http://${cohereAlias}:${coherePort}`,
    baseUrl: `http://127.0.0.1:${container.getMappedPort(coherePort)}`,
  };
}
