/**
 * What a check needs before it can judge anything, as data (goss's Skip,
 * container-structure-test's preconditions). The runner evaluates a check's
 * requirements in the order it lists them and skips with the first reason;
 * a check never decides on its own to pass because it could not look.
 */
import type { EnvironmentInfo } from '../environments/info.ts';
import type { Provisioning } from '../environments/provisioning.ts';

export type Requirement =
  /** The check starts or inspects containers: only a local environment has them. */
  | 'local'
  /** Local, and the target image built. */
  | 'built-image'
  /** Local, built, and the network, the dependencies and the target container started (healthy or not). */
  | 'started-environment'
  /** Local, built, and the target container became healthy. */
  | 'running-target'
  /** The target answers HTTP: a deployed service as it is, locally once it runs. */
  | 'reachable-target'
  /** The environment recorded the target container (its logs are read). */
  | 'target-container'
  /** The target declares a readiness route. */
  | 'readiness-route'
  /** The target declares a WebSocket route. */
  | 'websocket-route'
  /** The target declares a database. */
  | 'database'
  /** The target declares at least one required variable. */
  | 'required-variable'
  /** The target declares Prometheus metrics (target.metrics). */
  | 'metrics-route'
  /** The target declares error tracking with Sentry's SDK (target.errorTracking). */
  | 'error-tracking';

type Rule = (environment: EnvironmentInfo) => string | undefined;

const rules: Record<Requirement, Rule> = {
  local: (environment) => (environment.kind === 'local' ? undefined : 'needs --env=local'),
  'built-image': (environment) =>
    rules.local(environment) ??
    (environment.local?.buildFailure ? 'the target image did not build (see 1.2/image-builds)' : undefined),
  'started-environment': (environment) =>
    rules['built-image'](environment) ??
    (environment.local?.dependencies ? undefined : 'the local environment started no containers for this run'),
  'running-target': (environment) =>
    rules['started-environment'](environment) ??
    (environment.local?.startFailure ? 'the target did not become healthy (see 1.2/healthy-within-bound)' : undefined),
  'reachable-target': (environment) =>
    environment.kind === 'remote' ? undefined : rules['running-target'](environment),
  'target-container': (environment) =>
    rules.local(environment) ?? (environment.local?.containerId ? undefined : 'the target container was not started'),
  'readiness-route': (environment) =>
    environment.target.paths.ready
      ? undefined
      : 'the target declares no readiness route (target.paths.ready is null); add one that checks each dependency',
  'websocket-route': (environment) =>
    environment.target.paths.ws ? undefined : 'the target declares no WebSocket route (target.paths.ws is null)',
  database: (environment) =>
    environment.target.database ? undefined : 'the target declares no database (target.database)',
  'required-variable': (environment) =>
    environment.target.requiredEnv.length > 0
      ? undefined
      : 'the target declares no required variable (target.requiredEnv is empty)',
  'metrics-route': (environment) =>
    environment.target.metrics
      ? undefined
      : 'the target declares no metrics (target.metrics is null); expose Prometheus metrics at /metrics',
  'error-tracking': (environment) =>
    environment.target.errorTracking
      ? undefined
      : 'the target declares no error tracking (target.errorTracking is null); report unexpected errors with Sentry',
};

export const requirementNames = Object.keys(rules) as Requirement[];

/** Why the check cannot run in this environment, or undefined when every requirement holds. */
export function unmetRequirement(requires: readonly Requirement[], environment: EnvironmentInfo): string | undefined {
  for (const requirement of requires) {
    const reason = rules[requirement](environment);
    if (reason) return reason;
  }
  return undefined;
}

/** How much of the local environment a set of checks needs: a Dockerfile rule needs no container at all. */
const provisioningOf: Record<Requirement, Provisioning> = {
  local: 'image',
  'built-image': 'image',
  'started-environment': 'everything',
  'running-target': 'everything',
  'reachable-target': 'everything',
  'target-container': 'everything',
  'readiness-route': 'nothing',
  'websocket-route': 'nothing',
  database: 'nothing',
  'required-variable': 'nothing',
  'metrics-route': 'nothing',
  'error-tracking': 'nothing',
};

const provisioningOrder: readonly Provisioning[] = ['nothing', 'image', 'everything'];

export function provisioningFor(requirements: Iterable<Requirement>): Provisioning {
  let level = 0;
  for (const requirement of requirements) {
    level = Math.max(level, provisioningOrder.indexOf(provisioningOf[requirement]));
  }
  return provisioningOrder[level]!;
}
