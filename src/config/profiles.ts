/**
 * Target profiles: what shipshape must know about a backend to verify it,
 * as data. A profile gives the defaults; shipshape.config.ts can override
 * any field under `target`, so a different backend needs no code change.
 */

/** What the image must contain to run the target (seed task 1.1, step 1 and 2). */
export type RuntimeSpec =
  | { kind: 'node'; /** Major version `node --version` must report. */ major: number }
  | {
      kind: 'python';
      /** `major.minor` that `python3 --version` must report. */
      version: string;
      /** Debian packages `dpkg-query` must find installed. */
      systemPackages: string[];
      /** Modules `python3 -c "import <module>"` must import. */
      modules: string[];
    };

/** `POST <paths.query>`: how a question goes in and an answer comes out. */
export interface QueryShape {
  questionField: string;
  selectedTextField: string;
  answerField: string;
  sourcesField: string;
  /** Where the answer names the conversation it was stored in, if anywhere. */
  conversationIdField: string;
}

/** The WebSocket protocol at `paths.ws`. */
export interface WebSocketShape {
  /** Client frame: `{"type": <messageType>, <contentField>: question}`. */
  messageType: string;
  contentField: string;
  /** The final server frame: `{"type": <responseType>, <answerField>, <sourcesField>}`. */
  responseType: string;
  answerField: string;
  sourcesField: string;
  /** Frames of this type are idle keep-alives, never an answer. */
  keepAliveType: string;
}

export interface DatabaseSpec {
  /** Tables the target's migrations must have created; accepted messages are looked for in them. */
  tables: string[];
  /** Most connections the target may hold open to PostgreSQL (its pool limit). */
  maxConnections: number;
  /** The name readiness uses for the database in its body. */
  readinessName: string;
}

/** What `GET <path>` (Prometheus text) exposes, by metric and label name (seed task 6.2). */
export interface MetricsSpec {
  path: string;
  /** Counter of HTTP requests, and histogram of their latency, both labelled by route template and status. */
  requests: string;
  requestDuration: string;
  routeLabel: string;
  statusLabel: string;
  /** Gauge of open WebSocket connections (null: the target has no WebSocket route). */
  websocketConnections: string | null;
  /** Histogram of dependency call latency and counter of their failures, labelled by dependency. */
  dependencyDuration: string;
  dependencyErrors: string;
  dependencyLabel: string;
}

/** How the target reports unexpected errors to Sentry (seed task 6.2). */
export interface ErrorTrackingSpec {
  /** The variable that holds the DSN; unset, the target sends nothing. */
  dsnVariable: string;
  /** The event tag that carries the request id. */
  requestIdTag: string;
}

/**
 * What suite 4.2 holds the API to beyond the question's field names: the
 * served OpenAPI document, the health body, WebSocket behaviour and the
 * external services the target uses (seed task 4.2).
 */
export interface ApiContractSpec {
  /** Where the target serves its OpenAPI document, or null when it serves none. */
  openapiPath: string | null;
  /** Fields the health route's 200 body has besides `status: "ok"`. */
  healthFields: string[];
  websocket: {
    /** `{"type": <errorType>, "code", "message"}` answers a frame the server cannot take. */
    errorType: string;
    /** Idle time after which the server sends a keep-alive frame; null when it sends none. */
    keepAliveIntervalMs: number | null;
    /** `{<requestField>: true}` on a message asks for `{"type": <deltaType>, <deltaField>}` frames first; null: no streaming. */
    streaming: { requestField: string; deltaType: string; deltaField: string } | null;
  };
  /** The Qdrant collection the target retrieves from, named by a variable; null when it uses no Qdrant. */
  qdrant: { readinessName: string; urlVariable: string; apiKeyVariable: string; collectionVariable: string } | null;
  /**
   * Admin ingestion (`POST <path>` with a bearer token from a variable): locally, 4.2 adds one document through
   * it when the collection holds nothing yet, and removes it afterwards. null: the target has none.
   */
  documents: { path: string; tokenVariable: string } | null;
  /** Cohere, for embeddings and answers; null when the target uses no Cohere. */
  cohere: {
    readinessName: string;
    apiKeyVariable: string;
    /** Points the client at another base URL (the stand-in locally); unset, Cohere's own. */
    baseUrlVariable: string;
    embedModelVariable: string;
    /** The embedding model when the variable is unset. */
    defaultEmbedModel: string;
  } | null;
}

/** What suite 5.1 (end to end) needs beyond the API's shape. */
export interface EndToEndSpec {
  /** The variable listing the browser origins allowed to call the target (CORS, WebSocket Origin); null: none. */
  corsOriginsVariable: string | null;
  /** The external services an answer needs (readiness names them so): fault scenarios run for these. */
  services: ('qdrant' | 'cohere')[];
  /** The target's own bound on one call to a service (its client timeout): a slower one must end in an error. */
  upstreamTimeoutMs: number;
  /** How long readiness may reuse a passed service check (a cache): an outage may show that much later. */
  readinessCacheMs: number;
  /** The corpus (a folder of markdown) and golden questions of the RAG check, relative to the repository root. */
  rag: { corpus: string; golden: string };
}

/** The book in fixtures/corpus and the questions it answers (fixtures/README-corpus.md). */
const bookCorpus = { corpus: 'fixtures/corpus', golden: 'fixtures/golden.json' };

export interface TargetProfile {
  paths: {
    health: string;
    /** Readiness route that checks dependencies; null when the target has none. */
    ready: string | null;
    query: string;
    ws: string | null;
    /**
     * `DELETE <conversations>/<id>` removes a conversation: a check that asks a
     * question of a deployed service deletes what it created. null: none.
     */
    conversations: string | null;
  };
  query: QueryShape;
  ws: WebSocketShape;
  runtime: RuntimeSpec;
  /** Variables without which the target must refuse to start, naming the variable. */
  requiredEnv: string[];
  /** Variables whose values are secrets: never in a log line, a response, an image or a report. */
  secretEnv: string[];
  /** Variables the target reads but can start without: with requiredEnv, every variable it reads (seed task 2.2). */
  optionalEnv: string[];
  database: DatabaseSpec | null;
  /** Largest acceptable image, in MB (1 MB = 1,000,000 bytes, as `docker images` counts). */
  imageSizeBudgetMb: number;
  /** What suite 4.2 verifies of the API: OpenAPI, health body, WebSocket behaviour, external services. */
  api: ApiContractSpec;
  /** Prometheus metrics, or null when the target exposes none. */
  metrics: MetricsSpec | null;
  /** Error tracking with Sentry's SDK, or null when the target has none. */
  errorTracking: ErrorTrackingSpec | null;
  endToEnd: EndToEndSpec;
}

/** The seed's chatbot API, which the frontend speaks (DESIGN section 3). */
const seedApi = {
  query: {
    questionField: 'query',
    selectedTextField: 'selected_text',
    answerField: 'answer',
    sourcesField: 'sources',
    conversationIdField: 'conversation_id',
  },
  ws: {
    messageType: 'message',
    contentField: 'content',
    responseType: 'response',
    answerField: 'message',
    sourcesField: 'sources',
    keepAliveType: 'keep-alive',
  },
} satisfies Pick<TargetProfile, 'query' | 'ws'>;

/** Seed task 2.2's variables: the ones both backends need. */
const seedVariables = ['DATABASE_URL', 'QDRANT_URL', 'QDRANT_API_KEY', 'QDRANT_COLLECTION', 'COHERE_API_KEY'];
const seedSecrets = ['DATABASE_URL', 'QDRANT_API_KEY', 'COHERE_API_KEY', 'ADMIN_TOKEN'];

/** Qdrant and Cohere as both backends reach them: the variables of seed task 2.2. */
const seedServices = {
  qdrant: {
    readinessName: 'qdrant',
    urlVariable: 'QDRANT_URL',
    apiKeyVariable: 'QDRANT_API_KEY',
    collectionVariable: 'QDRANT_COLLECTION',
  },
  cohere: {
    readinessName: 'cohere',
    apiKeyVariable: 'COHERE_API_KEY',
    baseUrlVariable: 'COHERE_BASE_URL',
    embedModelVariable: 'COHERE_EMBED_MODEL',
    defaultEmbedModel: 'embed-english-v3.0',
  },
} satisfies Pick<ApiContractSpec, 'qdrant' | 'cohere'>;
/**
 * What else the reference backend reads (backend/src/config.ts, backend/src/rag/settings.ts);
 * test/config/variable-contract.test.ts holds this list to the backend's schemas so it cannot drift.
 */
const referenceOptional = [
  'PORT',
  'DATABASE_POOL_MAX',
  'COHERE_BASE_URL',
  'COHERE_EMBED_MODEL',
  'COHERE_EMBED_DIMENSION',
  'COHERE_CHAT_MODEL',
  'RAG_TOP_K',
  'RAG_CHUNK_SIZE',
  'RAG_CHUNK_OVERLAP',
  'COHERE_TIMEOUT_MS',
  'COHERE_CHECK_CACHE_MS',
  'DOCS_BASE_URL',
  'CORS_ORIGINS',
  'CORS_ALLOW_CREDENTIALS',
  'ADMIN_TOKEN',
  'RATE_LIMIT_PER_MINUTE',
  'DRAIN_TIMEOUT_MS',
  'LOG_LEVEL',
  'SENTRY_DSN',
  'APP_VERSION',
  'GIT_COMMIT',
  'RAILWAY_GIT_COMMIT_SHA',
];

export const profiles = {
  /** The reference backend in backend/ (TypeScript, Node 24). */
  reference: {
    paths: {
      health: '/health',
      ready: '/health/ready',
      query: '/api/v1/query',
      ws: '/ws',
      conversations: '/api/v1/conversations',
    },
    ...seedApi,
    runtime: { kind: 'node', major: 24 },
    requiredEnv: seedVariables,
    secretEnv: seedSecrets,
    optionalEnv: referenceOptional,
    database: { tables: ['conversations', 'messages'], maxConnections: 10, readinessName: 'postgres' },
    imageSizeBudgetMb: 400,
    api: {
      openapiPath: '/openapi.json',
      healthFields: ['version', 'commit', 'uptimeSeconds'],
      websocket: {
        errorType: 'error',
        keepAliveIntervalMs: 10_000,
        streaming: { requestField: 'stream', deltaType: 'delta', deltaField: 'content' },
      },
      documents: { path: '/api/v1/documents', tokenVariable: 'ADMIN_TOKEN' },
      ...seedServices,
    },
    metrics: {
      path: '/metrics',
      requests: 'http_requests_total',
      requestDuration: 'http_request_duration_seconds',
      routeLabel: 'route',
      statusLabel: 'status',
      websocketConnections: 'websocket_connections',
      dependencyDuration: 'dependency_request_duration_seconds',
      dependencyErrors: 'dependency_errors_total',
      dependencyLabel: 'dependency',
    },
    errorTracking: { dsnVariable: 'SENTRY_DSN', requestIdTag: 'request_id' },
    endToEnd: {
      corsOriginsVariable: 'CORS_ORIGINS',
      services: ['qdrant', 'cohere'],
      // backend/src/rag: 30 s per Cohere call (10 s per Qdrant call); readiness reuses a passed Cohere check 30 s.
      upstreamTimeoutMs: 30_000,
      readinessCacheMs: 30_000,
      rag: bookCorpus,
    },
  },
  /** The seed's original shape: FastAPI on Python 3.11 with the system packages seed task 1.1 lists. */
  seed: {
    paths: { health: '/health', ready: null, query: '/api/v1/query', ws: '/ws', conversations: null },
    ...seedApi,
    runtime: {
      kind: 'python',
      version: '3.11',
      systemPackages: ['build-essential', 'curl', 'gnupg', 'libpq-dev', 'gcc', 'postgresql-client'],
      modules: ['psycopg2'],
    },
    requiredEnv: seedVariables,
    secretEnv: seedSecrets,
    optionalEnv: ['PORT', 'LOG_LEVEL'],
    database: null,
    imageSizeBudgetMb: 1_000,
    // FastAPI serves /openapi.json by default; the seed's socket answers whole (no deltas).
    api: {
      openapiPath: '/openapi.json',
      healthFields: [],
      websocket: { errorType: 'error', keepAliveIntervalMs: 10_000, streaming: null },
      documents: null,
      ...seedServices,
    },
    // The seed exposes no metrics and reports errors nowhere: suite 6.2's checks of them skip, saying so.
    metrics: null,
    errorTracking: null,
    // The seed's FastAPI app sends no CORS headers; it answers with Qdrant and Cohere.
    endToEnd: {
      corsOriginsVariable: null,
      services: ['qdrant', 'cohere'],
      upstreamTimeoutMs: 30_000,
      readinessCacheMs: 0,
      rag: bookCorpus,
    },
  },
} satisfies Record<string, TargetProfile>;

export type ProfileName = keyof typeof profiles;
export const profileNames = Object.keys(profiles) as ProfileName[];
