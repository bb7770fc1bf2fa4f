import { z } from 'zod';
import { ConfigError } from './config-error.ts';
import { ragSettings, type RagSettings } from './rag/settings.ts';

export { ConfigError };

const positiveInt = z.coerce.number().int().positive();
const csv = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  );

/** The environment contract of DESIGN section 3. */
const environmentSchema = z
  .object({
    PORT: z.coerce.number().int().min(1).max(65535).default(8000),
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
    DATABASE_POOL_MAX: positiveInt.default(10),
    CORS_ORIGINS: csv,
    CORS_ALLOW_CREDENTIALS: z.enum(['true', 'false']).default('false'),
    ADMIN_TOKEN: z.string().min(16).optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    RATE_LIMIT_PER_MINUTE: positiveInt.default(60),
    DRAIN_TIMEOUT_MS: positiveInt.default(10_000),
    APP_VERSION: z.string().default('0.1.0'),
    GIT_COMMIT: z.string().default('unknown'),
    /** Where unexpected errors are reported (Sentry's SDK); unset: none are sent. */
    SENTRY_DSN: z.url({ protocol: /^https?$/ }).optional(),
  })
  .superRefine((config, context) => {
    // A wildcard with credentials would let any site act as the signed-in user.
    if (config.CORS_ALLOW_CREDENTIALS === 'true' && config.CORS_ORIGINS.includes('*')) {
      context.addIssue({ code: 'custom', path: ['CORS_ORIGINS'], message: 'wildcard with credentials' });
    }
  });

/** The server's variables, and the RAG layer's (shared with the ingest CLI) under `rag`. */
export type BackendConfig = z.infer<typeof environmentSchema> & { rag: RagSettings };

const expectations: Record<string, string> = {
  PORT: 'expected an integer from 1 to 65535',
  DATABASE_URL: 'expected postgres://user:password@host:port/database',
  DATABASE_POOL_MAX: 'expected a positive integer',
  CORS_ORIGINS: 'expected a comma-separated list of origins; "*" is refused when CORS_ALLOW_CREDENTIALS=true',
  CORS_ALLOW_CREDENTIALS: 'expected true or false',
  ADMIN_TOKEN: 'expected at least 16 characters',
  LOG_LEVEL: 'expected one of fatal, error, warn, info, debug, trace, silent',
  RATE_LIMIT_PER_MINUTE: 'expected a positive integer',
  DRAIN_TIMEOUT_MS: 'expected a positive integer (milliseconds)',
  SENTRY_DSN: 'expected a Sentry DSN, https://<key>@<host>/<project>',
};

/**
 * Reads the environment. Messages name the variable and what was expected but
 * never echo the value: DATABASE_URL and the keys are secrets.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): BackendConfig {
  // Railway sets RAILWAY_GIT_COMMIT_SHA on every deploy, so /health names the deployed commit unasked.
  const parsed = environmentSchema.safeParse({ ...env, GIT_COMMIT: env.GIT_COMMIT ?? env.RAILWAY_GIT_COMMIT_SHA });
  const variables: string[] = [];
  const details: string[] = [];
  if (!parsed.success) {
    for (const name of new Set(parsed.error.issues.map((issue) => String(issue.path[0])))) {
      variables.push(name);
      details.push(
        env[name] === undefined || env[name] === ''
          ? `${name} is required but not set`
          : `${name} is malformed (${expectations[name] ?? 'see the environment table in the README'})`,
      );
    }
  }
  // Both halves are checked before failing, so one start-up names every missing variable.
  let rag: RagSettings | undefined;
  try {
    rag = ragSettings(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    variables.push(...error.variables);
    details.push(...error.details);
  }
  if (!parsed.success || !rag) throw new ConfigError(variables, details);
  return { ...parsed.data, rag };
}
