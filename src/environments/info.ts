import type { Thresholds } from '../config/schema.ts';
import type { TargetSpec } from '../config/target-spec.ts';

/**
 * What the global setup hands to the suites (through Vitest's provide/inject):
 * plain data only, since suites run in worker processes.
 */
/** A dependency container the suites may inspect or break (fault injection), by id. */
export interface DependencyInfo {
  containerId: string;
  /** Its name on the run's network. */
  alias: string;
  /** Port inside the container; the harness looks up the mapped port each time (a restart changes it). */
  port: number;
}

export interface PostgresInfo extends DependencyInfo {
  database: string;
  user: string;
  /** A throwaway local credential; environment.json leaves it out. */
  password: string;
}

export interface LocalTargetInfo {
  image: string;
  /** The build arguments the image was built with (the substitutes' base images, then the target's own). */
  buildArgs: Record<string, string>;
  networkName: string;
  /** The target's name on the run's network, for probes from other containers. */
  alias: string;
  /** Environment the target container got, minus nothing: only local canary values live here. */
  environment: Record<string, string>;
  containerId?: string;
  /** Where the harness reaches the target: always 127.0.0.1 and a mapped port. */
  baseUrl?: string;
  healthyAfterMs?: number;
  buildMs?: number;
  /** Why the image did not build or the container did not become healthy, with evidence. */
  buildFailure?: { message: string; evidence: string };
  startFailure?: { message: string; evidence: string };
  dependencies?: { postgres: PostgresInfo; qdrant: DependencyInfo; cohere: DependencyInfo };
}

export interface EnvironmentInfo {
  envName: string;
  kind: 'local' | 'remote';
  runId: string;
  reportDir: string;
  images: Record<string, string>;
  target: TargetSpec;
  thresholds: Thresholds;
  /** Remote environments: the deployed URL. Local: the target's mapped URL when it started. */
  baseUrl?: string;
  local?: LocalTargetInfo;
}

export const environmentKey = 'shipshape:environment';

declare module 'vitest' {
  interface ProvidedContext {
    'shipshape:environment': EnvironmentInfo;
  }
}
