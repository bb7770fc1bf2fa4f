import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { loadConfig } from '../config/load.ts';
import { environmentKey, type EnvironmentInfo } from './info.ts';
import { LocalEnvironment } from './local/local-environment.ts';
import { provisioningFromEnv } from './provisioning.ts';
import { runContext } from './run-context.ts';

/**
 * Vitest global setup of the `suites` project: provisions the selected
 * environment once, in the main process, and hands plain data to the suites.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const run = runContext();
  const config = await loadConfig({ envName: run.envName, configFile: run.configFile });
  await mkdir(run.reportDir, { recursive: true });

  if (config.environment.kind === 'remote') {
    // loadConfig refuses a remote environment without a URL.
    const baseUrl = config.environment.baseUrl!;
    const info: EnvironmentInfo = {
      envName: config.envName,
      kind: 'remote',
      runId: run.runId,
      reportDir: run.reportDir,
      images: {},
      target: config.target,
      thresholds: config.thresholds,
      baseUrl,
      ...(config.environment.frontendOrigin ? { frontendOrigin: config.environment.frontendOrigin } : {}),
      ...(config.environment.tls?.caFile
        ? { tls: { caFile: path.resolve(config.root, config.environment.tls.caFile) } }
        : {}),
      ...(config.environment.httpUrl ? { httpUrl: config.environment.httpUrl } : {}),
    };
    await recordEnvironment(run.reportDir, info);
    project.provide(environmentKey, info);
    return async () => {};
  }

  const started = await new LocalEnvironment(config, run.runId, run.reportDir).start(provisioningFromEnv());
  await recordEnvironment(run.reportDir, started.info);
  project.provide(environmentKey, started.info);
  // scripts/run.ts saves the logs and writes the verdict before this teardown runs; stopping is bounded.
  return () => started.stop();
}

/** The report writer reads this: which images and target this run actually used. */
async function recordEnvironment(reportDir: string, info: EnvironmentInfo): Promise<void> {
  const { local, ...rest } = info;
  // Names only: values are canary secrets, and the database password is a credential all the same.
  const dependencies = local?.dependencies && {
    ...local.dependencies,
    postgres: { ...local.dependencies.postgres, password: '[not recorded]' },
  };
  const safe = {
    ...rest,
    local: local && { ...local, environment: Object.keys(local.environment), dependencies },
  };
  await writeFile(path.join(reportDir, 'environment.json'), `${JSON.stringify(safe, null, 2)}\n`);
}
