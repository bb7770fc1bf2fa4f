/**
 * Railway Infrastructure as Code, evaluated offline: `.railway/railway.ts`
 * (npm package `railway`, entry `railway/iac`) into the graph and the desired
 * environment configuration Railway would be asked to apply.
 *
 * Since `railway` 3.11 the evaluator no longer ships in the package: its bin
 * `railway-iac-ts` only answers "requires Railway CLI 5.42.1" and there is no
 * `evaluateRailwayFile` export any more; the Railway CLI (Rust) imports the file
 * with Node and compiles the result itself. This module does what the CLI's
 * evaluation step does (railwayapp/cli, src/controllers/iac: import the file
 * in a child `node`, call its default export with `createRailwayContext` and a
 * project factory, then the graph and `graph_to_environment_config`), with the
 * package's own authoring and `validateGraph`, and needs no token and no network.
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
  ResourceNode,
  ServiceNode,
  VariableConfig,
  VariableValue,
} from 'railway/iac';

/** Where the harness's own `railway` package lies: a target without node_modules evaluates against it. */
const harnessRailway = fileURLToPath(import.meta.resolve('railway/iac'));

/**
 * Run by the child `node`: resolves `railway/iac` from the target first and from
 * the harness when the target has none installed, then prints the project.
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
const input = JSON.parse(contextJson);
const iac = await import('railway/iac');
const ctx = iac.createRailwayContext(input);
const module = await import(pathToFileURL(file).href);
let exported = module.default ?? module.main ?? module.Railway ?? module;
while (exported && typeof exported === 'object' && 'default' in exported && exported.name == null && exported.resources == null) {
  exported = exported.default;
}
const projectFactory = (name, definition = {}) => ({
  name,
  ...definition,
  resources: (definition.resources ?? definition.services ?? []).flat(Infinity),
});
const evaluated = typeof exported === 'function' ? await exported(ctx, projectFactory) : exported;
process.stdout.write(JSON.stringify({ project: evaluated ?? null }));
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

interface ProjectOutput {
  name?: string;
  environments?: string[];
  resources?: unknown;
}

function flatten(value: unknown): ResourceNode[] {
  if (Array.isArray(value)) return value.flatMap(flatten);
  return value && typeof value === 'object' ? [value as ResourceNode] : [];
}

/** The project definition into the graph, as the CLI's `project_definition_to_graph` does. */
export function projectToGraph(project: ProjectOutput): RailwayGraph {
  const resources = flatten(project.resources);
  const edges: RailwayGraph['edges'] = [];
  for (const resource of resources) {
    if (resource.type !== 'service' && resource.type !== 'database') continue;
    for (const [key, value] of Object.entries(resource.variables ?? {})) {
      if (value.type === 'reference') edges.push({ from: resource.address, to: value.resource, type: 'variable', key });
    }
  }
  return {
    version: 1,
    project: { name: project.name ?? 'imported-project' },
    environments: (project.environments ?? []).map((name) => ({ name })),
    resources,
    edges,
  };
}

/** One variable as Railway stores it; `preserve()` is left out of the patch (the value set in Railway stays). */
function compileVariable(value: VariableValue, names: Map<string, string>): VariableConfig | undefined {
  switch (value.type) {
    case 'preserve':
      return undefined;
    case 'literal': {
      const { type: _type, ...config } = value;
      return config;
    }
    case 'raw':
      return value.value;
    case 'sharedReference':
      return { value: `\${{shared.${value.name}}}` };
    case 'reference':
      return { value: `\${{${names.get(value.resource) ?? value.resource}.${value.output}}}` };
  }
}

/** The graph into the environment configuration, as the CLI's `graph_to_environment_config` does for services. */
export function graphToDesiredConfig(graph: RailwayGraph): EnvironmentConfig {
  const names = new Map(graph.resources.map((resource) => [resource.address as string, resource.name]));
  const services: NonNullable<EnvironmentConfig['services']> = {};
  for (const resource of graph.resources) {
    if (resource.type === 'database') {
      services[resource.name] = { source: { image: resource.image } };
      continue;
    }
    if (resource.type !== 'service') continue;
    const variables: Record<string, VariableConfig> = {};
    for (const [key, value] of Object.entries(resource.variables ?? {})) {
      const compiled = compileVariable(value, names);
      if (compiled) variables[key] = compiled;
    }
    services[resource.name] = {
      ...(resource.source ? { source: { ...resource.source } } : {}),
      ...(resource.build ? { build: resource.build } : {}),
      ...(resource.deploy ? { deploy: resource.deploy } : {}),
      ...(Object.keys(variables).length > 0 ? { variables } : {}),
      ...(resource.networking ? { networking: resource.networking } : {}),
    };
  }
  return { services };
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
  let project: unknown;
  try {
    project = (JSON.parse(stdout) as { project: unknown }).project;
  } catch {
    throw new IacError(`evaluating printed something other than the project: ${stdout.slice(0, 200)}`);
  }
  if (!project || typeof project !== 'object' || !('resources' in project)) {
    throw new IacError(
      'the default export is not a project: export default defineRailway((ctx, project) => project("<name>", { resources: [...] }))',
    );
  }
  const graph = projectToGraph(project as ProjectOutput);
  return { file, environment, graph, problems: validateGraph(graph), desiredConfig: graphToDesiredConfig(graph) };
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
