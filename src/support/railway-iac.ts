/**
 * Railway Infrastructure as Code, evaluated offline: `.railway/railway.ts`
 * (npm package `railway`, entry `railway/iac`) into the graph and the desired
 * environment configuration Railway would be asked to apply, by the package's
 * own `evaluateRailwayFile`. No token, no network.
 *
 * The harness pins `railway` at 3.10.0, the last release that ships the
 * evaluator: from 3.11 its bin `railway-iac-ts` only answers "requires Railway
 * CLI 5.42.1" (the engine moved into the Rust CLI, whose npm package downloads
 * its binary at install and so cannot be installed offline). Authoring
 * (`defineRailway`, `service`, `postgres`, `preserve`, ...) is the same API.
 * The file runs in a child process with a time limit: it is the target's code.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateGraph } from 'railway/iac';
import type {
  BuildConfig,
  DeployConfig,
  EnvironmentConfig,
  RailwayGraph,
  ServiceNode,
  VariableValue,
} from 'railway/iac';

/** Where the harness's own `railway` package lies: a target without node_modules evaluates against it. */
const harnessRailway = fileURLToPath(import.meta.resolve('railway/iac'));

/**
 * Run by the child `node`: the target's file imports `railway/iac` from the
 * target when it has the package and from the harness when it has none; the
 * harness's evaluateRailwayFile does the rest.
 */
const evaluationScript = `
import { registerHooks } from 'node:module';
import { pathToFileURL } from 'node:url';
const [file, fallback, contextJson] = process.argv.slice(1);
registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      if (specifier !== 'railway/iac' && specifier !== 'railway') throw error;
      return { url: pathToFileURL(fallback).href, shortCircuit: true };
    }
  },
});
const { evaluateRailwayFile } = await import(pathToFileURL(fallback).href);
const { graph, desiredConfig } = await evaluateRailwayFile(file, { context: JSON.parse(contextJson) });
process.stdout.write(JSON.stringify({ graph, desiredConfig }));
`;

export class IacError extends Error {
  override name = 'IacError';
}

export interface EvaluatedIac {
  file: string;
  /** The Railway environment the file was evaluated for (`ctx.environment`). */
  environment: string;
  graph: RailwayGraph;
  /** What the package's `validateGraph` objects to (duplicate addresses, dangling references). */
  problems: string[];
  /** The configuration Railway would be asked to apply, compiled as the CLI compiles it. */
  desiredConfig: EnvironmentConfig;
}

function runNode(args: string[], cwd: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      args,
      { cwd, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, NODE_OPTIONS: '' } },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        const lines = stderr
          .split('\n')
          .map((line) => line.trim())
          .filter((line) => line && !line.startsWith('at ') && !line.startsWith('Node.js v'));
        const reason = error.killed ? `did not finish within ${timeoutMs} ms` : lines.slice(0, 6).join(' | ');
        reject(new IacError(reason || `node exited with code ${error.code}`));
      },
    );
  });
}

/**
 * Evaluates the IaC file for a Railway environment (default `production`).
 * Throws IacError with what went wrong (no file, a syntax or runtime error,
 * an export that is no project).
 */
export async function evaluateRailwayIac(
  given: string,
  options: { environment?: string; timeoutMs?: number } = {},
): Promise<EvaluatedIac> {
  const file = path.resolve(given);
  const environment = options.environment ?? 'production';
  if (!existsSync(file)) throw new IacError(`no IaC file at ${file}`);
  const context = JSON.stringify({ command: 'plan', environment, environmentName: environment });
  const stdout = await runNode(
    [
      '--disable-warning=ExperimentalWarning',
      '--input-type=module',
      '-e',
      evaluationScript,
      '--',
      file,
      harnessRailway,
      context,
    ],
    path.dirname(file),
    options.timeoutMs ?? 30_000,
  );
  let evaluated: { graph?: RailwayGraph; desiredConfig?: EnvironmentConfig };
  try {
    evaluated = JSON.parse(stdout) as typeof evaluated;
  } catch {
    throw new IacError(`evaluating printed something other than the project: ${stdout.slice(0, 200)}`);
  }
  const { graph, desiredConfig } = evaluated;
  // The package evaluates any default export; a value that is no project comes back as a project without a name.
  if (!graph || !Array.isArray(graph.resources) || !desiredConfig || !graph.project?.name) {
    throw new IacError(
      'the default export is not a project: export default defineRailway((ctx, project) => project("<name>", { resources: [...] }))',
    );
  }
  return { file, environment, graph, problems: validateGraph(graph), desiredConfig };
}

const evaluations = new Map<string, Promise<EvaluatedIac>>();

/** Evaluates once per file and environment in this process: the checks of 2.1 and 2.2 read the same result. */
export function evaluateRailwayIacOnce(file: string, environment = 'production'): Promise<EvaluatedIac> {
  const key = `${environment}\u0000${file}`;
  let evaluation = evaluations.get(key);
  if (!evaluation) {
    evaluation = evaluateRailwayIac(file, { environment });
    evaluations.set(key, evaluation);
  }
  return evaluation;
}

export function servicesOf(graph: RailwayGraph): ServiceNode[] {
  return graph.resources.filter((resource): resource is ServiceNode => resource.type === 'service');
}

/**
 * The backend's service in the IaC: the one named, else the one service built
 * from a Dockerfile, else the only service.
 */
export function backendService(graph: RailwayGraph, name: string | undefined): ServiceNode {
  const services = servicesOf(graph);
  const listed = services.map((service) => service.name).join(', ') || 'none';
  if (name) {
    const named = services.find((service) => service.name === name);
    if (!named)
      throw new IacError(`the IaC declares no service "${name}" (target.railway.service); services: ${listed}`);
    return named;
  }
  const dockerfile = services.filter((service) => service.build?.builder === 'DOCKERFILE');
  if (dockerfile.length === 1) return dockerfile[0]!;
  if (services.length === 1) return services[0]!;
  throw new IacError(
    services.length === 0
      ? 'the IaC declares no service'
      : `the IaC declares ${services.length} services (${listed}): name the backend's in target.railway.service`,
  );
}

export type { BuildConfig, DeployConfig, RailwayGraph, ServiceNode, VariableValue };
