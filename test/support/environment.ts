/**
 * EnvironmentInfo as the global setup would provide it, for tests that run a
 * check declaration through the real runner without provisioning anything.
 */
import { defaultThresholds, thresholdsSchema } from '../../src/config/schema.ts';
import { resolveTarget, type TargetSpec } from '../../src/config/target-spec.ts';
import type { EnvironmentInfo } from '../../src/environments/info.ts';

export function targetSpec(
  overrides: Partial<TargetSpec> = {},
  profile: 'reference' | 'seed' = 'reference',
): TargetSpec {
  const base = resolveTarget(
    { name: 'test', profile, dockerfile: 'Dockerfile', context: '.', buildArgs: {}, port: 8000, environment: {} },
    process.cwd(),
  );
  return { ...base, ...overrides };
}

export function fakeEnvironment(overrides: Partial<EnvironmentInfo> = {}): EnvironmentInfo {
  return {
    envName: overrides.kind === 'remote' ? 'production' : 'local',
    kind: 'local',
    runId: 'test',
    reportDir: '/tmp',
    images: {},
    target: targetSpec(),
    thresholds: thresholdsSchema.parse(defaultThresholds),
    ...overrides,
  };
}
