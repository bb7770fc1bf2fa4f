/**
 * What the global setup hands to the suites (through Vitest's provide/inject):
 * plain data only, since suites run in worker processes.
 */
export interface LocalTargetInfo {
  image: string;
  networkName: string;
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
}

export interface EnvironmentInfo {
  envName: string;
  kind: 'local' | 'remote';
  runId: string;
  reportDir: string;
  images: Record<string, string>;
  target: { name: string; port: number; paths: { health: string; ready: string } };
  thresholds: { healthyWithinMs: number; requestTimeoutMs: number };
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
