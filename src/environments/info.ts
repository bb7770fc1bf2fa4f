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

/** An image the run used in place of the one the config or the target's Dockerfile names. */
export interface ImageSubstitution {
  /** As named: a FROM of the target's Dockerfile (after ARG defaults and build arguments), or a role's image. */
  named: string;
  /** What the run used instead: named's own entry in images.substitutes. */
  substitute: string;
  /** `target` (its Dockerfile's FROM) or the role that ran it: base, postgres, qdrant, cohere. */
  usedBy: string;
  /** For the target: its FROM lines, 1-based, and how the substitute reached the build. */
  lines?: number[];
  via?: 'build-arg' | 'derived-dockerfile';
}

const targetBasePrefix = 'target FROM ';

/**
 * The key of `images` under which an image the target's Dockerfile starts
 * from is recorded, with what the build used: `target FROM python:3.11-slim`.
 */
export function targetBaseKey(named: string): string {
  return `${targetBasePrefix}${named}`;
}

/** The image a targetBaseKey names, or undefined for a role's key. */
export function targetBaseOf(key: string): string | undefined {
  return key.startsWith(targetBasePrefix) ? key.slice(targetBasePrefix.length) : undefined;
}

export interface LocalTargetInfo {
  image: string;
  /**
   * The build arguments the image was built with: the target's own, and a
   * declared ARG that carried a base image's substitute (see substitutions).
   */
  buildArgs: Record<string, string>;
  /** The FROM images the Dockerfile names and what the build started from for each. */
  baseImages?: { named: string; used: string; lines: number[] }[];
  /**
   * Set when the image was built from a derived Dockerfile whose FROM lines name
   * substitutes: its name in the packed context (the target's repository is untouched).
   */
  derivedDockerfile?: string;
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
  /**
   * The images the run used: by role (base, postgres, qdrant, cohere), and for
   * each image the target's Dockerfile starts from, under targetBaseKey(named).
   */
  images: Record<string, string>;
  /** Every image that ran or was built from in place of the one named, and what stood in. */
  substitutions?: ImageSubstitution[];
  target: TargetSpec;
  thresholds: Thresholds;
  /** Remote environments: the deployed URL. Local: the target's mapped URL when it started. */
  baseUrl?: string;
  /**
   * The browser origin the target allows (its CORS allowlist names it): remote, the configured frontend's;
   * local, `http://127.0.0.1:<port>`, where suite 5.1 serves fixtures/frontend/. Absent: none configured.
   */
  frontendOrigin?: string;
  /** Remote environments, suite 4.3: a CA to trust besides the system's (absolute path), and the plain-HTTP URL. */
  tls?: { caFile?: string };
  httpUrl?: string;
  local?: LocalTargetInfo;
}

export const environmentKey = 'shipshape:environment';

declare module 'vitest' {
  interface ProvidedContext {
    'shipshape:environment': EnvironmentInfo;
  }
}
