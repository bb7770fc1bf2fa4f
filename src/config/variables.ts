/**
 * The variable contract (seed task 2.2): every variable the target reads,
 * whether it must be set, whether its value is a secret, and, for the
 * documentation, what it means and its default. The names come from the
 * target's profile (requiredEnv, optionalEnv, secretEnv, overridable in the
 * config); for the reference backend, test/config/variable-contract.test.ts
 * holds them to backend/src/config.ts and backend/src/rag/settings.ts.
 * Suite 2.2 checks the IaC against it, suite 6.1 the deployment document,
 * and `npm run docs:railway` writes the document's variables table from it.
 */
import type { TargetSpec } from './target-spec.ts';

export interface ContractVariable {
  name: string;
  required: boolean;
  secret: boolean;
}

/** What a variable means, its default, and how it is set on Railway: for the generated table. */
export interface VariableNote {
  meaning: string;
  default?: string;
}

export const variableNotes: Record<string, VariableNote> = {
  DATABASE_URL: {
    meaning:
      "PostgreSQL connection string; `sslmode` honoured (`require` or the default `prefer` accept Railway's self-signed certificate, `verify-full` checks it)",
  },
  QDRANT_URL: { meaning: 'Qdrant base URL (http or https)' },
  QDRANT_API_KEY: { meaning: 'Qdrant API key' },
  QDRANT_COLLECTION: {
    meaning: "the collection holding the book's chunks; created with the embed model's dimension when missing",
  },
  COHERE_API_KEY: { meaning: 'Cohere API key: embeddings and answers' },
  PORT: { meaning: 'listen port; Railway injects it, the app binds `::` (IPv4 and IPv6)', default: '8000' },
  DATABASE_POOL_MAX: { meaning: 'PostgreSQL connections in the pool', default: '10' },
  COHERE_BASE_URL: { meaning: 'points the Cohere SDK elsewhere (a stand-in in tests)', default: "Cohere's API" },
  COHERE_EMBED_MODEL: { meaning: 'embedding model', default: '`embed-english-v3.0`' },
  COHERE_EMBED_DIMENSION: { meaning: 'embedding size, only for models with a variable size (`embed-v4.0`)' },
  COHERE_TIMEOUT_MS: { meaning: 'bound of each Cohere call, in milliseconds (1000 to 300000)', default: '30000' },
  COHERE_CHECK_CACHE_MS: {
    meaning: 'how long readiness reuses its last Cohere check, in milliseconds',
    default: '30000',
  },
  COHERE_CHAT_MODEL: { meaning: 'answering model', default: '`command-a-03-2025`' },
  RAG_TOP_K: { meaning: 'chunks retrieved per question', default: '5' },
  RAG_CHUNK_SIZE: { meaning: 'characters per chunk at ingestion', default: '800' },
  RAG_CHUNK_OVERLAP: { meaning: 'characters shared by neighbouring chunks', default: '150' },
  DOCS_BASE_URL: { meaning: 'base of citation URLs for ingested files' },
  CORS_ORIGINS: {
    meaning: 'comma-separated origin allowlist (the frontend), also checked on the WebSocket Origin',
    default: 'none',
  },
  CORS_ALLOW_CREDENTIALS: { meaning: 'allow credentials in CORS; `*` origins are then refused', default: 'false' },
  ADMIN_TOKEN: { meaning: 'bearer token for `POST /api/v1/documents` (16+ characters); unset disables ingestion' },
  RATE_LIMIT_PER_MINUTE: { meaning: 'questions per minute per client address (HTTP and WebSocket)', default: '60' },
  DRAIN_TIMEOUT_MS: {
    meaning: 'how long SIGTERM waits for answers in flight; keep below drainingSeconds',
    default: '10000',
  },
  LOG_LEVEL: { meaning: 'log level (JSON lines)', default: 'info' },
  SENTRY_DSN: { meaning: 'where unexpected errors are reported (Sentry); unset: nowhere' },
  APP_VERSION: { meaning: 'version shown by `/health`', default: '0.1.0' },
  GIT_COMMIT: { meaning: 'commit shown by `/health`', default: '`RAILWAY_GIT_COMMIT_SHA`' },
  RAILWAY_GIT_COMMIT_SHA: { meaning: 'set by Railway on every deploy; `/health` names the deployed commit from it' },
};

/** Every variable the target reads: the required ones first, then the optional ones, each once. */
export function variableContract(
  target: Pick<TargetSpec, 'requiredEnv' | 'optionalEnv' | 'secretEnv'>,
): ContractVariable[] {
  const names = [...new Set([...target.requiredEnv, ...target.optionalEnv])];
  return names.map((name) => ({
    name,
    required: target.requiredEnv.includes(name),
    secret: target.secretEnv.includes(name),
  }));
}
