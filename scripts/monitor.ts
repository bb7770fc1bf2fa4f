/**
 * `npm run monitor -- --env=<name>`: an uptime check of the target's readiness
 * (and optionally one question), for a terminal, cron or CI. The loop, the
 * state machine, the probe and the report live in src/monitor/; this file
 * resolves the URL as `npm test` does and wires Ctrl-C to a clean stop.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { rootCertificates } from 'node:tls';
import { UsageError } from '../src/cli/args.ts';
import { remoteConfigWithUrl } from '../src/cli/deploy-setup.ts';
import { monitorUsage, parseMonitorArgs, type MonitorArgs } from '../src/cli/monitor-args.ts';
import { ConfigError, loadConfig } from '../src/config/load.ts';
import { MonitorExit, runMonitor } from '../src/monitor/monitor.ts';
import type { PollTarget } from '../src/monitor/poll.ts';

async function resolveTarget(args: MonitorArgs): Promise<{ target: PollTarget; reportDir: string }> {
  const configFile = args.configFile ?? process.env.SHIPSHAPE_CONFIG;
  // SHIPSHAPE_BASE_URL names a remote environment's URL in the config; for a local one it is the monitor's URL.
  const withoutUrl = { ...process.env };
  delete withoutUrl.SHIPSHAPE_BASE_URL;
  let config = await loadConfig({ envName: args.env, configFile, env: withoutUrl, requireBaseUrl: false });
  const reportDir = path.resolve(args.reportDir ?? config.reportDir);
  let baseUrl = args.url;
  if (!baseUrl && config.environment.kind === 'remote') {
    // As npm test resolves it: SHIPSHAPE_BASE_URL, the config's baseUrl, else the URL the deploy wrote.
    config = await remoteConfigWithUrl(config, { deploy: false, reportRoot: reportDir });
    baseUrl = config.environment.kind === 'remote' ? config.environment.baseUrl : undefined;
  }
  baseUrl ??= process.env.SHIPSHAPE_BASE_URL;
  if (!baseUrl) {
    throw new UsageError(
      `environment "${args.env}" is local and has no fixed URL: start the service and pass --url=http://127.0.0.1:<port> ` +
        '(or set SHIPSHAPE_BASE_URL)',
    );
  }
  const caFile = config.environment.kind === 'remote' ? config.environment.tls?.caFile : undefined;
  let ca: string[] | undefined;
  if (caFile) {
    const file = path.resolve(config.root, caFile);
    const pem = await readFile(file, 'utf8').catch((error: Error) => {
      throw new ConfigError(`cannot read the CA file ${file} (environments.${args.env}.tls.caFile): ${error.message}`);
    });
    ca = [...rootCertificates, pem];
  }
  const { target } = config;
  return {
    reportDir,
    target: {
      baseUrl: baseUrl.replace(/\/+$/, ''),
      readyPath: target.paths.ready ?? target.paths.health,
      queryPath: target.paths.query,
      query: target.query,
      ...(args.question ? { question: args.question } : {}),
      timeoutMs: args.timeoutMs,
      ...(ca ? { ca } : {}),
    },
  };
}

async function main(): Promise<number> {
  let args: MonitorArgs;
  let resolved: Awaited<ReturnType<typeof resolveTarget>>;
  try {
    args = parseMonitorArgs(process.argv.slice(2));
    if (args.help) {
      console.log(monitorUsage);
      return MonitorExit.ok;
    }
    resolved = await resolveTarget(args);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`error: ${error.message}\n\n${monitorUsage}`);
      return MonitorExit.usage;
    }
    if (error instanceof ConfigError) {
      console.error(`error: ${error.message}`);
      return MonitorExit.usage;
    }
    throw error;
  }
  const controller = new AbortController();
  let interrupts = 0;
  const interrupt = (signal: NodeJS.Signals) => {
    interrupts++;
    if (interrupts > 1) process.exit(MonitorExit.interrupted);
    console.log(`\n${new Date().toISOString()}  ${signal}: stopping and writing the report (again to quit at once)`);
    controller.abort();
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  const result = await runMonitor({
    target: resolved.target,
    env: args.env,
    intervalMs: args.intervalMs,
    maxConsecutiveFailures: args.maxConsecutiveFailures,
    ...(args.maxPolls !== undefined ? { maxPolls: args.maxPolls } : {}),
    ...(args.durationMs !== undefined ? { durationMs: args.durationMs } : {}),
    reportDir: resolved.reportDir,
    signal: controller.signal,
    print: (line) => console.log(line),
    verbose: args.verbose,
  });
  const { summary } = result.report;
  console.log(
    `${result.report.endedAt}  ${summary.polls} polls, ${summary.failures} failed, uptime ${summary.uptimePercent ?? '-'} %, ` +
      `${summary.outages.length} outage(s); exit ${result.exitCode}`,
  );
  console.log(`report: ${result.files.map((file) => path.relative(process.cwd(), file)).join(', ')}`);
  return result.exitCode;
}

process.exitCode = await main();
