import { randomBytes } from 'node:crypto';
import path from 'node:path';

/**
 * What scripts/run.ts tells the processes it starts. Defaults let a bare
 * `vitest --project suites` work too.
 */
export interface RunContext {
  envName: string;
  runId: string;
  reportDir: string;
  /** The config file the runner loaded (`--config`); undefined means shipshape.config.ts. */
  configFile: string | undefined;
}

export function newRunId(): string {
  return randomBytes(4).toString('hex');
}

export function runContext(env: NodeJS.ProcessEnv = process.env): RunContext {
  const envName = env.SHIPSHAPE_ENV ?? 'local';
  const runId = env.SHIPSHAPE_RUN_ID ?? newRunId();
  env.SHIPSHAPE_RUN_ID = runId;
  const reportDir = env.SHIPSHAPE_RUN_REPORT_DIR ?? path.resolve('reports', `${envName}-adhoc`);
  return { envName, runId, reportDir, configFile: env.SHIPSHAPE_CONFIG_FILE };
}
