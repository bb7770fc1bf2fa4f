import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { z } from 'zod';
import { overrides } from './overrides.ts';
import { resolveTarget, type TargetSpec } from './target-spec.ts';
import { configSchema, type EnvironmentConfig, type ShipshapeConfig } from './schema.ts';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface ResolvedConfig extends Omit<ShipshapeConfig, 'target'> {
  target: TargetSpec;
  envName: string;
  /** Absolute path of the config file the run used. */
  configFile: string;
  environment: EnvironmentConfig;
  /** Directory the config file lives in; relative paths resolve against it. */
  root: string;
}

export interface LoadOptions {
  envName: string;
  configFile?: string;
  env?: NodeJS.ProcessEnv;
  /** false: a remote environment may lack its URL (the deploy script runs before there is one). */
  requireBaseUrl?: boolean;
}

export const defaultConfigFile = 'shipshape.config.ts';

export async function loadConfig(options: LoadOptions): Promise<ResolvedConfig> {
  const configFile = path.resolve(options.configFile ?? defaultConfigFile);
  if (!existsSync(configFile)) {
    throw new ConfigError(`no config file at ${configFile}; pass --config=<file> or run from the project directory`);
  }
  let raw: unknown;
  try {
    const module = (await import(pathToFileURL(configFile).href)) as { default?: unknown };
    raw = module.default;
  } catch (error) {
    throw new ConfigError(`cannot load ${configFile}: ${(error as Error).message}`);
  }
  if (raw === undefined) {
    throw new ConfigError(`${configFile} has no default export; export defineConfig({...})`);
  }
  return resolveConfig(raw, { ...options, configFile });
}

/** Applies environment overrides, validates, and selects the environment. */
export function resolveConfig(raw: unknown, options: LoadOptions & { configFile: string }): ResolvedConfig {
  const env = options.env ?? process.env;
  const sources = new Map<string, string>();
  const merged = structuredClone(raw) as Record<string, unknown>;
  for (const override of overrides) {
    const value = env[override.variable];
    if (value === undefined || value === '') continue;
    const keyPath = override.path.map((key) => (key === '<env>' ? options.envName : key));
    setPath(merged, keyPath, value);
    sources.set(keyPath.join('.'), override.variable);
  }

  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const file = path.basename(options.configFile);
    const lines = parsed.error.issues.map((issue) => describeIssue(issue, merged, sources));
    throw new ConfigError(`${file} is invalid:\n${lines.map((line) => `  - ${line}`).join('\n')}`);
  }

  const environment = parsed.data.environments[options.envName];
  if (!environment) {
    const known = Object.keys(parsed.data.environments).join(', ');
    throw new ConfigError(
      `unknown environment "${options.envName}"; known: ${known} (add it under environments in ${path.basename(options.configFile)})`,
    );
  }
  if (environment.kind === 'remote' && !environment.baseUrl && options.requireBaseUrl !== false) {
    throw new ConfigError(
      `environment "${options.envName}" has no URL: set SHIPSHAPE_BASE_URL=https://<your-service>.up.railway.app ` +
        `or baseUrl under environments.${options.envName}`,
    );
  }
  const root = path.dirname(options.configFile);
  // The environment's own performance limits replace the shared ones for the scenarios it names.
  const thresholds = environment.performance
    ? {
        ...parsed.data.thresholds,
        performance: { ...parsed.data.thresholds.performance, ...environment.performance },
      }
    : parsed.data.thresholds;
  return {
    ...parsed.data,
    thresholds,
    target: resolveTarget(parsed.data.target, root),
    envName: options.envName,
    configFile: options.configFile,
    environment,
    root,
  };
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown, sources: Map<string, string>): string {
  const keyPath = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const where = keyPath.length ? `${keyPath.join('.')}: ` : '';
    return `${where}unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  }
  const key = keyPath.join('.') || '(root)';
  const source = sources.get(key);
  // As the file is written: thresholds.performance.query[1], not query.1.
  const shown =
    issue.path
      .map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index ? '.' : ''}${String(part)}`))
      .join('') || '(root)';
  const found = getPath(raw, keyPath);
  const foundText = found === undefined ? 'nothing' : JSON.stringify(found);
  const expected = issue.message.startsWith('Invalid input')
    ? issue.message.replace(/^Invalid input: expected /, '')
    : issue.message;
  return `${shown}${source ? ` (from ${source})` : ''}: expected ${expected}, found ${foundText}`;
}

function setPath(target: Record<string, unknown>, keyPath: string[], value: unknown): void {
  let node: Record<string, unknown> = target;
  for (const key of keyPath.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keyPath.at(-1)!] = value;
}

function getPath(source: unknown, keyPath: string[]): unknown {
  let node = source;
  for (const key of keyPath) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}
