import { z } from 'zod';

// The environment contract of DESIGN section 3. Only the variables the current
// routes need are here; each later feature adds its own.
const environmentSchema = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(8000),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  APP_VERSION: z.string().default('0.1.0'),
  GIT_COMMIT: z.string().default('unknown'),
});

export type BackendConfig = z.infer<typeof environmentSchema>;

export class ConfigError extends Error {
  readonly variables: string[];
  constructor(variables: string[], details: string[]) {
    super(`invalid environment: ${details.join('; ')}`);
    this.variables = variables;
  }
}

/**
 * Reads the environment. Messages name the variable and what was expected but
 * never echo the value: DATABASE_URL carries a password.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): BackendConfig {
  // Railway sets RAILWAY_GIT_COMMIT_SHA on every deploy, so /health names the deployed commit unasked.
  const parsed = environmentSchema.safeParse({ ...env, GIT_COMMIT: env.GIT_COMMIT ?? env.RAILWAY_GIT_COMMIT_SHA });
  if (parsed.success) return parsed.data;
  const variables = parsed.error.issues.map((issue) => String(issue.path[0]));
  const details = parsed.error.issues.map((issue) => {
    const name = String(issue.path[0]);
    return env[name] === undefined
      ? `${name} is required but not set`
      : `${name} is malformed (${describeExpectation(name)})`;
  });
  throw new ConfigError(variables, details);
}

function describeExpectation(name: string): string {
  switch (name) {
    case 'PORT':
      return 'expected an integer from 1 to 65535';
    case 'DATABASE_URL':
      return 'expected postgres://user:password@host:port/database';
    case 'LOG_LEVEL':
      return 'expected one of fatal, error, warn, info, debug, trace, silent';
    default:
      return 'see the environment table in the README';
  }
}
