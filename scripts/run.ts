/**
 * `npm test -- --env=<name>`: runs the verification suites through Vitest's
 * Node API, writes the run's reports, removes what the run started, and exits
 * with a code CI can act on.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { getContainerRuntimeClient } from 'testcontainers';
import { createVitest, type Vitest } from 'vitest/node';
import { parseRunArgs, usage, UsageError } from '../src/cli/args.ts';
import { decideExitCode, describeExitCode, ExitCode } from '../src/cli/exit-codes.ts';
import { DeployFailed, remoteConfigWithUrl } from '../src/cli/deploy-setup.ts';
import { trustEnvironmentCa } from '../src/cli/remote-trust.ts';
import { listChecks, selectChecks } from '../src/cli/selection.ts';
import { ConfigError, loadConfig } from '../src/config/load.ts';
import { environmentKey, type EnvironmentInfo } from '../src/environments/info.ts';
import { saveContainerLogs } from '../src/environments/local/logs.ts';
import { provisioningVariable } from '../src/environments/provisioning.ts';
import { provisioningFor } from '../src/checks/requirements.ts';
import { withDeadline } from '../src/support/bounded.ts';
import { HarnessError } from '../src/environments/local/images.ts';
import { removeRunResources } from '../src/support/run-resources.ts';
import { newRunId } from '../src/environments/run-context.ts';
import { CheckCollector } from '../src/report/collector.ts';
import { progress } from '../src/support/progress.ts';
import { countChecks, type RunSummary } from '../src/report/summary.ts';
import { sweepReportForSecrets } from '../src/report/secret-sweep.ts';
import { writeReports } from '../src/report/write.ts';

const requiredNodeMajor = 24;

async function main(): Promise<number> {
  const nodeMajor = Number(process.versions.node.split('.')[0]);
  if (nodeMajor < requiredNodeMajor) {
    console.error(
      `shipshape needs Node ${requiredNodeMajor}+, this is ${process.version}. Run \`npm run setup\`, then use npm test (it runs on the project's Node ${requiredNodeMajor}).`,
    );
    return ExitCode.harnessError;
  }

  let args;
  let config;
  let selection;
  try {
    args = parseRunArgs(process.argv.slice(2));
    if (args.help) {
      console.log(usage);
      return ExitCode.passed;
    }
    if (args.list) {
      console.log(listChecks());
      return ExitCode.passed;
    }
    selection = selectChecks(path.resolve('suites'), args.suites, args.checks);
    config = await loadConfig({
      envName: args.env,
      configFile: args.configFile ?? process.env.SHIPSHAPE_CONFIG,
      requireBaseUrl: false,
    });
    if (config.environment.kind === 'remote') {
      // --deploy runs npm run deploy first; without a URL, the one the deploy wrote (reports/deployment.json).
      const reportRoot = path.resolve(args.reportDir ?? config.reportDir);
      config = await remoteConfigWithUrl(config, { deploy: args.deploy, skipVerify: args.skipVerify, reportRoot });
    } else if (args.deploy) {
      throw new UsageError(`--deploy deploys to a remote environment; --env=${args.env} is local`);
    }
    if (config.environment.kind === 'local') await requireDocker();
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`error: ${error.message}\n\n${usage}`);
      return ExitCode.harnessError;
    }
    if (error instanceof ConfigError || error instanceof HarnessError || error instanceof DeployFailed) {
      console.error(`error: ${error.message}`);
      return ExitCode.harnessError;
    }
    throw error;
  }

  const startedAt = new Date();
  const runId = newRunId();
  const reportRoot = path.resolve(args.reportDir ?? config.reportDir);
  const reportDir = path.join(
    reportRoot,
    `${config.envName}-${startedAt
      .toISOString()
      .replaceAll(':', '-')
      .replace(/\.\d+Z$/, 'Z')}`,
  );
  process.env.SHIPSHAPE_ENV = config.envName;
  process.env.SHIPSHAPE_RUN_ID = runId;
  process.env.SHIPSHAPE_RUN_REPORT_DIR = reportDir;
  process.env.SHIPSHAPE_CONFIG_FILE = config.configFile;
  // A remote environment's private CA, for every suite's fetch and WebSocket (Vitest's workers read it at start).
  try {
    await mkdir(reportDir, { recursive: true });
    await trustEnvironmentCa(config, reportDir);
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    return ExitCode.harnessError;
  }
  // The load suite (5.2) reads it: against a remote environment, load stays capped unless --load=full.
  process.env.SHIPSHAPE_LOAD = args.load;
  // Only what the selected checks need: --check=1.1/pipefail builds nothing.
  const provision = provisioningFor(selection.checks.flatMap((check) => check.requires));
  process.env[provisioningVariable] = provision;
  // The run removes its own containers (see removeRunResources); Ryuk's image cannot be pulled offline.
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';

  progress(
    `run ${runId}: env ${config.envName}, suites ${selection.tasks.map((task) => task.id).join(', ')}, ${selection.checks.length} check(s)` +
      (config.environment.kind === 'local' && provision !== 'everything' ? ` (provisioning: ${provision})` : ''),
  );
  const collector = new CheckCollector(args.checks);
  let vitest: Vitest | undefined;
  let interrupted = false;
  const harnessErrors: string[] = [];

  /** Summary from what is known so far: after the run, or from the checks finished when it is cut short. */
  const writeVerdict = async (): Promise<RunSummary> => {
    const environment = await readEnvironment(reportDir);
    const checks = collector.checks;
    // The registry said these checks exist; a run that did not report one lost it somewhere.
    const unmatched = selection.checks.filter((check) => !checks.some((record) => record.id === check.id));
    // (Unless the run could not start at all: that error says why, and the list would only bury it.)
    if (unmatched.length > 0 && !interrupted && harnessErrors.length + collector.harnessErrors.length === 0) {
      harnessErrors.push(`no verdict for ${unmatched.map((check) => check.id).join(', ')}`);
    }
    const outcome = { checks, harnessErrors: [...harnessErrors, ...collector.harnessErrors], interrupted };
    const exitCode = decideExitCode(outcome);
    const summary: RunSummary = {
      env: config.envName,
      runId,
      startedAt: startedAt.toISOString(),
      durationMs: Date.now() - startedAt.getTime(),
      exitCode,
      outcome: describeExitCode(exitCode),
      target: {
        name: config.target.name,
        image: environment?.local?.image ?? (environment?.kind === 'remote' ? 'deployed service' : 'unknown'),
        url: environment?.baseUrl,
        commit: gitCommit(),
      },
      images: environment?.images ?? {},
      counts: countChecks(checks),
      checks,
      harnessErrors: outcome.harnessErrors,
      interrupted,
    };
    await writeReports(reportDir, summary, { saveBaseline: args.saveBaseline });
    return summary;
  };

  /** Second Ctrl-C, or a first one the run did not answer in time: what is known, then everything removed. */
  let forcing = false;
  const forceEnd = async (why: string): Promise<never> => {
    if (forcing) process.exit(ExitCode.interrupted);
    forcing = true;
    progress(`${why}: writing the partial summary and removing the run's containers now`);
    await withDeadline(writeVerdict(), 3_000, 'writing the partial summary').catch((error: Error) =>
      progress(`could not write the partial summary: ${error.message}`),
    );
    await sweep(runId, 5_000);
    process.exit(ExitCode.interrupted);
  };

  const onInterrupt = () => {
    if (interrupted) {
      void forceEnd('second interrupt');
      return;
    }
    interrupted = true;
    progress('interrupted: stopping the run, then the summary and its containers (Ctrl-C again to force)');
    void vitest?.cancelCurrentRun('keyboard-input');
    // Global setup (an image build, say) does not observe cancellation: do not wait for it forever.
    setTimeout(() => void forceEnd('the run did not stop within 20 s'), 20_000).unref();
  };
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);

  try {
    vitest = await createVitest('test', {
      project: ['suites'],
      run: true,
      watch: false,
      reporters: ['default', ['junit', { outputFile: path.join(reportDir, 'junit.xml') }], collector],
      ...(args.checks ? { testNamePattern: checkNamePattern(args.checks) } : {}),
    });
    // Vitest exits the process on SIGINT/SIGTERM; the run must first remove its containers.
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      for (const listener of process.listeners(signal)) if (listener !== onInterrupt) process.off(signal, listener);
    }
    await vitest.start(selection.files);
  } catch (error) {
    harnessErrors.push((error as Error).message);
  }

  // The checks are over. The container logs and the verdict are written before anything is stopped, so a
  // teardown that hangs cannot lose them; then the environment stops and the sweep removes what is left.
  const provided = vitest && providedEnvironment(vitest);
  if (provided) {
    await withDeadline(saveContainerLogs(provided, reportDir), 60_000, 'saving the container logs').catch(
      (error: Error) => harnessErrors.push(error.message),
    );
  }
  let summary = await writeVerdict();
  const leaked = provided ? sweepReportForSecrets(provided, reportDir) : [];
  if (leaked.length > 0) {
    harnessErrors.push(...leaked);
    summary = await writeVerdict();
  }
  try {
    await withDeadline(vitest?.close() ?? Promise.resolve(), 120_000, 'stopping the environment');
  } catch (error) {
    progress(`teardown: ${(error as Error).message}; the sweep removes what is left`);
  }
  await sweep(runId);

  const { counts } = summary;
  progress(
    `${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped: ${summary.outcome} (exit ${summary.exitCode})`,
  );
  for (const error of summary.harnessErrors) progress(`harness error: ${error}`);
  progress(`report: ${path.relative(process.cwd(), path.join(reportDir, 'summary.md'))}`);
  return summary.exitCode;
}

/** The environment the global setup provided to the suites (undefined when setup failed before providing it). */
function providedEnvironment(vitest: Vitest): EnvironmentInfo | undefined {
  try {
    return vitest.getProjectByName('suites').getProvidedContext()[environmentKey];
  } catch {
    return undefined;
  }
}

/** Vitest matches a test's full name ("<describe> <id>"): anchor each id at the end. */
function checkNamePattern(ids: string[]): RegExp {
  const escaped = ids.map((id) => id.replaceAll(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
  return new RegExp(`(?:^| )(?:${escaped.join('|')})$`);
}

async function requireDocker(): Promise<void> {
  try {
    await getContainerRuntimeClient();
  } catch {
    throw new HarnessError(
      'no Docker engine answers; run `npm run setup` (it starts one on Debian as root) or start Docker and check `docker info`',
    );
  }
}

async function sweep(runId: string, deadlineMs?: number): Promise<void> {
  try {
    const removed = await removeRunResources(runId, deadlineMs);
    if (removed.containers + removed.networks > 0) {
      progress(`removed ${removed.containers} leftover container(s) and ${removed.networks} network(s)`);
    }
  } catch (error) {
    progress(`could not check for leftover containers: ${(error as Error).message}`);
  }
}

async function readEnvironment(reportDir: string): Promise<EnvironmentInfo | undefined> {
  try {
    return JSON.parse(await readFile(path.join(reportDir, 'environment.json'), 'utf8')) as EnvironmentInfo;
  } catch {
    return undefined;
  }
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return 'unknown';
  }
}

process.exit(await main());
