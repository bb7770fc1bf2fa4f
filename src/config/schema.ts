import { z } from 'zod';
import { profileNames } from '../target/profiles.ts';

// Each `error` text completes the sentence "expected ...": the loader prints it
// beside the key and the value it found.
const positiveMs = z.coerce
  .number({ error: 'a positive integer (milliseconds)' })
  .int({ error: 'a positive integer (milliseconds)' })
  .positive({ error: 'a positive integer (milliseconds)' });

const port = z.coerce
  .number({ error: 'a port number from 1 to 65535' })
  .int({ error: 'a port number from 1 to 65535' })
  .min(1, { error: 'a port number from 1 to 65535' })
  .max(65535, { error: 'a port number from 1 to 65535' });

const nonEmpty = z.string({ error: 'a non-empty string' }).min(1, { error: 'a non-empty string' });
const apiPath = z.string({ error: 'a path starting with "/"' }).startsWith('/', { error: 'a path starting with "/"' });

const nullablePath = z.union([apiPath, z.null()], {
  error: 'a path starting with "/", or null when the target has none',
});
const names = z.array(nonEmpty, { error: 'a list of names' });

/**
 * The system under test. `profile` supplies everything shipshape must know
 * about its API and image (src/target/profiles.ts); every other key here
 * overrides the profile's value, so a different backend needs no code change.
 */
export const targetSchema = z.strictObject({
  name: nonEmpty,
  profile: z
    .enum(profileNames, { error: `one of ${profileNames.map((name) => `"${name}"`).join(', ')}` })
    .default('reference'),
  /** Relative to `context`. */
  dockerfile: nonEmpty,
  /** Relative to the directory of the config file. */
  context: nonEmpty,
  buildArgs: z.record(z.string(), z.string()).default({}),
  port: port.default(8000),
  paths: z
    .strictObject({
      health: apiPath,
      ready: nullablePath,
      query: apiPath,
      ws: nullablePath,
      conversations: nullablePath,
    })
    .partial()
    .optional(),
  query: z
    .strictObject({
      questionField: nonEmpty,
      selectedTextField: nonEmpty,
      answerField: nonEmpty,
      sourcesField: nonEmpty,
    })
    .partial()
    .optional(),
  ws: z
    .strictObject({
      messageType: nonEmpty,
      contentField: nonEmpty,
      responseType: nonEmpty,
      answerField: nonEmpty,
      sourcesField: nonEmpty,
      keepAliveType: nonEmpty,
    })
    .partial()
    .optional(),
  runtime: z
    .discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('node'), major: z.number().int().positive() }),
      z.strictObject({
        kind: z.literal('python'),
        version: z.string().regex(/^\d+\.\d+$/, { error: 'a major.minor version such as "3.11"' }),
        systemPackages: names,
        modules: names,
      }),
    ])
    .optional(),
  requiredEnv: names.optional(),
  secretEnv: names.optional(),
  database: z
    .union([
      z.strictObject({ tables: names, maxConnections: z.number().int().positive(), readinessName: nonEmpty }),
      z.null(),
    ])
    .optional(),
  imageSizeBudgetMb: z.number().positive().optional(),
  /** Extra variables for the target in local runs only (never sent anywhere else). */
  environment: z.record(z.string(), z.string()).default({}),
});

export const imagesSchema = z.strictObject({
  source: z
    .enum(['auto', 'registry', 'substitutes'], { error: 'one of "auto", "registry", "substitutes"' })
    .default('auto'),
  /** Builds the target: Node and npm. */
  base: nonEmpty,
  /** Runs the target: the final stage of the reference Dockerfile (plain Debian plus the node binary). */
  runtime: nonEmpty,
  postgres: nonEmpty,
  qdrant: nonEmpty,
  /** Cohere is an API, not an image: only the stand-in exists. */
  cohere: nonEmpty.optional(),
  /** What runs where no registry answers: air-gapped rebuilds and the stand-ins (DESIGN sections 2 and 4). */
  substitutes: z.strictObject({
    base: nonEmpty,
    runtime: nonEmpty,
    postgres: nonEmpty,
    qdrant: nonEmpty,
    cohere: nonEmpty,
  }),
});

export const environmentSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ kind: z.literal('local') }),
    z.strictObject({
      kind: z.literal('remote'),
      baseUrl: z.url({ error: 'an http(s) URL' }).optional(),
    }),
  ],
  { error: 'an object with kind "local" or "remote"' },
);

export const thresholdsSchema = z.strictObject({
  healthyWithinMs: positiveMs.default(30_000),
  requestTimeoutMs: positiveMs.default(5_000),
  /** SIGTERM to exit: Railway sends SIGKILL after RAILWAY_DEPLOYMENT_DRAINING_SECONDS. */
  drainWithinMs: positiveMs.default(10_000),
  /** A dependency outage must show in readiness within this. */
  outageDetectedWithinMs: positiveMs.default(10_000),
  /** And readiness must recover within this once the dependency is back. */
  recoveryWithinMs: positiveMs.default(30_000),
});

export const defaultThresholds = {
  healthyWithinMs: 30_000,
  requestTimeoutMs: 5_000,
  drainWithinMs: 10_000,
  outageDetectedWithinMs: 10_000,
  recoveryWithinMs: 30_000,
};

export const configSchema = z.strictObject({
  target: targetSchema,
  images: imagesSchema,
  environments: z.record(z.string(), environmentSchema),
  thresholds: thresholdsSchema.default(defaultThresholds),
  reportDir: nonEmpty.default('reports'),
});

export type ShipshapeConfigInput = z.input<typeof configSchema>;
export type ShipshapeConfig = z.output<typeof configSchema>;
export type Thresholds = z.output<typeof thresholdsSchema>;
export type TargetConfig = z.output<typeof targetSchema>;
export type EnvironmentConfig = z.output<typeof environmentSchema>;

export function defineConfig(config: ShipshapeConfigInput): ShipshapeConfigInput {
  return config;
}
