import path from 'node:path';
import type { TargetConfig } from './schema.ts';
import { profiles, type ProfileName, type TargetProfile } from './profiles.ts';

/** Everything the suites know about the target: its profile with the config's overrides applied. Plain data. */
export interface TargetSpec extends TargetProfile {
  name: string;
  profile: ProfileName;
  /** Relative to `context`, as the Docker API takes it. */
  dockerfile: string;
  /** Absolute. */
  context: string;
  buildArgs: Record<string, string>;
  port: number;
  /** Extra variables the local environment gives the target. */
  environment: Record<string, string>;
}

export function resolveTarget(target: TargetConfig, configDir: string): TargetSpec {
  const profile: TargetProfile = profiles[target.profile];
  return {
    name: target.name,
    profile: target.profile,
    dockerfile: target.dockerfile,
    context: path.resolve(configDir, target.context),
    buildArgs: target.buildArgs,
    port: target.port,
    environment: target.environment,
    paths: { ...profile.paths, ...target.paths },
    query: { ...profile.query, ...target.query },
    ws: { ...profile.ws, ...target.ws },
    runtime: target.runtime ?? profile.runtime,
    requiredEnv: target.requiredEnv ?? profile.requiredEnv,
    secretEnv: target.secretEnv ?? profile.secretEnv,
    database: target.database === undefined ? profile.database : target.database,
    imageSizeBudgetMb: target.imageSizeBudgetMb ?? profile.imageSizeBudgetMb,
  };
}
