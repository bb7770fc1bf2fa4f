import path from 'node:path';
import { fileURLToPath } from 'node:url';
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
  /** Railway: the IaC file and deployment document (absolute paths) and the service's name in the IaC. */
  railway: { iacFile: string; service: string | undefined; docFile: string };
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
    optionalEnv: target.optionalEnv ?? profile.optionalEnv,
    railway: {
      iacFile: path.resolve(configDir, target.context, target.railway?.iac ?? '.railway/railway.ts'),
      service: target.railway?.service,
      docFile: path.resolve(configDir, target.context, target.railway?.doc ?? 'docs/railway-deployment.md'),
    },
    database: target.database === undefined ? profile.database : target.database,
    imageSizeBudgetMb: target.imageSizeBudgetMb ?? profile.imageSizeBudgetMb,
    api: { ...profile.api, ...target.api },
    metrics: target.metrics === undefined ? profile.metrics : target.metrics,
    errorTracking: target.errorTracking === undefined ? profile.errorTracking : target.errorTracking,
    endToEnd: resolveEndToEnd(profile, target, configDir),
  };
}

/** The profile's corpus lies in this repository; a corpus the config names, beside the config file. Absolute. */
function resolveEndToEnd(profile: TargetProfile, target: TargetConfig, configDir: string): TargetProfile['endToEnd'] {
  const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const rag = target.endToEnd?.rag
    ? {
        corpus: path.resolve(configDir, target.endToEnd.rag.corpus),
        golden: path.resolve(configDir, target.endToEnd.rag.golden),
      }
    : {
        corpus: path.resolve(repositoryRoot, profile.endToEnd.rag.corpus),
        golden: path.resolve(repositoryRoot, profile.endToEnd.rag.golden),
      };
  return { ...profile.endToEnd, ...target.endToEnd, rag };
}
