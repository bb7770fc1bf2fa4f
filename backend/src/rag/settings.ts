import { z } from 'zod';
import { ConfigError } from '../config-error.ts';
import { variableDimensionModels } from './cohere.ts';

/**
 * The RAG layer's part of the environment contract (DESIGN section 3), shared
 * by the server and the ingest CLI so both read the same variables the same way.
 */
const ragSchema = z.object({
  QDRANT_URL: z.url({ protocol: /^https?$/ }),
  QDRANT_API_KEY: z.string().min(1),
  QDRANT_COLLECTION: z.string().regex(/^[A-Za-z0-9_.-]{1,255}$/),
  COHERE_API_KEY: z.string().min(1),
  COHERE_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  COHERE_EMBED_MODEL: z.string().min(1).default('embed-english-v3.0'),
  /** Only models with a variable output size (embed-v4.0) take it. */
  COHERE_EMBED_DIMENSION: z.coerce.number().int().positive().optional(),
  COHERE_CHAT_MODEL: z.string().min(1).default('command-a-03-2025'),
  RAG_TOP_K: z.coerce.number().int().min(1).max(50).default(5),
  RAG_CHUNK_SIZE: z.coerce.number().int().min(100).max(10_000).default(800),
  RAG_CHUNK_OVERLAP: z.coerce.number().int().min(0).max(5_000).default(150),
  DOCS_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Bound on one Cohere call (default 30 s). */
  COHERE_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(300_000).optional(),
  /** How long readiness reuses a passed Cohere check, each one a billed call (default 30 s). */
  COHERE_CHECK_CACHE_MS: z.coerce.number().int().min(0).max(3_600_000).optional(),
});

export type RagSettings = z.infer<typeof ragSchema>;

const expectations: Record<string, string> = {
  QDRANT_URL: 'expected an http(s) URL',
  QDRANT_COLLECTION: 'expected letters, digits, _ . or -',
  COHERE_BASE_URL: 'expected an http(s) URL',
  COHERE_EMBED_DIMENSION: `expected a size the model produces (${Object.entries(variableDimensionModels)
    .map(([model, sizes]) => `${model}: ${sizes.join(', ')}`)
    .join('; ')}); unset it for models of fixed size`,
  RAG_TOP_K: 'expected an integer from 1 to 50',
  RAG_CHUNK_SIZE: 'expected an integer from 100 to 10000',
  RAG_CHUNK_OVERLAP: 'expected an integer from 0 to 5000, below RAG_CHUNK_SIZE',
  DOCS_BASE_URL: 'expected an http(s) URL',
  COHERE_TIMEOUT_MS: 'expected milliseconds from 1000 to 300000',
  COHERE_CHECK_CACHE_MS: 'expected milliseconds from 0 to 3600000',
};

/**
 * Reads the RAG variables. Throws the backend's ConfigError, whose message
 * names each bad variable but never its value: the keys are secrets.
 */
export function ragSettings(env: NodeJS.ProcessEnv = process.env): RagSettings {
  // An empty variable is as good as unset (a blank line in a .env file), so it is reported as missing.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = ragSchema
    .refine((settings) => settings.RAG_CHUNK_OVERLAP < settings.RAG_CHUNK_SIZE, {
      path: ['RAG_CHUNK_OVERLAP'],
      message: 'must be below RAG_CHUNK_SIZE',
    })
    .refine(
      (settings) =>
        settings.COHERE_EMBED_DIMENSION === undefined ||
        (variableDimensionModels[settings.COHERE_EMBED_MODEL]?.includes(settings.COHERE_EMBED_DIMENSION) ?? false),
      { path: ['COHERE_EMBED_DIMENSION'], message: 'not a size this model produces' },
    )
    .safeParse(present);
  if (parsed.success) return parsed.data;
  const variables = [...new Set(parsed.error.issues.map((issue) => String(issue.path[0])))];
  const details = variables.map((name) =>
    present[name] === undefined
      ? `${name} is required but not set`
      : `${name} is malformed (${expectations[name] ?? 'see the environment table in the README'})`,
  );
  throw new ConfigError(variables, details);
}
