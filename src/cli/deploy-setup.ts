/**
 * `npm test -- --env=production --deploy`: the deploy as the run's setup.
 * `npm run deploy` runs first as a child process (its progress shown); a
 * failed deploy ends the run before any check, with the deploy's reason.
 * A remote environment without SHIPSHAPE_BASE_URL then verifies the URL the
 * deploy wrote to `<report dir>/deployment.json`.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, loadConfig, type ResolvedConfig } from '../config/load.ts';

export class DeployFailed extends Error {
  override name = 'DeployFailed';
}

const deployScript = path.resolve(import.meta.dirname, '..', '..', 'scripts', 'deploy.ts');

export interface DeployedUrlOptions {
  deploy: boolean;
  /** Passed to the deploy: the local suites are not required green first. */
  skipVerify?: boolean;
  /** Where reports go (`--report-dir`, else the config's reportDir): deployment.json is read there. */
  reportRoot: string;
  env?: NodeJS.ProcessEnv;
}

/** The deployed URL deployment.json records, if any. */
export async function deployedUrl(reportRoot: string): Promise<string | undefined> {
  try {
    const record = JSON.parse(await readFile(path.join(reportRoot, 'deployment.json'), 'utf8')) as { url?: unknown };
    return typeof record.url === 'string' ? record.url : undefined;
  } catch {
    return undefined;
  }
}

function runDeploy(config: ResolvedConfig, reportRoot: string, skipVerify: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        deployScript,
        `--env=${config.envName}`,
        `--config=${config.configFile}`,
        `--report-dir=${reportRoot}`,
        ...(skipVerify ? ['--skip-verify'] : []),
      ],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    child.once('error', reject);
    child.once('close', (code) => resolve(code ?? 1));
  });
}

/**
 * The remote environment's config, with its URL: SHIPSHAPE_BASE_URL or the
 * config's, else the one the deploy wrote. Deploys first when asked.
 */
export async function remoteConfigWithUrl(
  config: ResolvedConfig,
  options: DeployedUrlOptions,
): Promise<ResolvedConfig> {
  const env = options.env ?? process.env;
  if (options.deploy) {
    const code = await runDeploy(config, options.reportRoot, options.skipVerify ?? false);
    if (code !== 0) {
      throw new DeployFailed(`npm run deploy exited ${code} (see its output above); nothing was verified`);
    }
  }
  if (config.environment.kind === 'remote' && !config.environment.baseUrl) {
    const url = await deployedUrl(options.reportRoot);
    if (url) env.SHIPSHAPE_BASE_URL = url;
  }
  try {
    return await loadConfig({ envName: config.envName, configFile: config.configFile, env });
  } catch (error) {
    if (error instanceof ConfigError && !env.SHIPSHAPE_BASE_URL) {
      throw new ConfigError(`${error.message}; or deploy first: npm test -- --env=${config.envName} --deploy`);
    }
    throw error;
  }
}
