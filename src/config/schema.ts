import { z } from 'zod';

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

export const targetSchema = z.strictObject({
  name: nonEmpty,
  dockerfile: nonEmpty,
  context: nonEmpty,
  buildArgs: z.record(z.string(), z.string()).default({}),
  port: port.default(8000),
  paths: z
    .strictObject({
      health: apiPath.default('/health'),
      ready: apiPath.default('/health/ready'),
    })
    .default({ health: '/health', ready: '/health/ready' }),
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
});

export const configSchema = z.strictObject({
  target: targetSchema,
  images: imagesSchema,
  environments: z.record(z.string(), environmentSchema),
  thresholds: thresholdsSchema.default({ healthyWithinMs: 30_000, requestTimeoutMs: 5_000 }),
  reportDir: nonEmpty.default('reports'),
});

export type ShipshapeConfigInput = z.input<typeof configSchema>;
export type ShipshapeConfig = z.output<typeof configSchema>;
export type EnvironmentConfig = z.output<typeof environmentSchema>;

export function defineConfig(config: ShipshapeConfigInput): ShipshapeConfigInput {
  return config;
}
