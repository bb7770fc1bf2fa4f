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
  database: DatabaseSpec | null;
  /** Largest acceptable image, in MB (1 MB = 1,000,000 bytes, as `docker images` counts). */
  imageSizeBudgetMb: number;
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
    database: { tables: ['conversations', 'messages'], maxConnections: 10, readinessName: 'postgres' },
    imageSizeBudgetMb: 400,
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
    database: null,
    imageSizeBudgetMb: 1_000,
  },
} satisfies Record<string, TargetProfile>;

export type ProfileName = keyof typeof profiles;
export const profileNames = Object.keys(profiles) as ProfileName[];
