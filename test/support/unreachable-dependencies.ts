/**
 * Every variable the reference backend requires, pointing at hosts that do not
 * exist: enough for liveness (which touches no dependency) and start-up checks.
 */
export const unreachableDependencies: Record<string, string> = {
  DATABASE_URL: 'postgres://shipshape:unused@postgres.invalid:5432/shipshape?sslmode=require',
  QDRANT_URL: 'http://qdrant.invalid:6333',
  QDRANT_API_KEY: 'canary-qdrant-unused',
  QDRANT_COLLECTION: 'book',
  COHERE_API_KEY: 'canary-cohere-unused',
  COHERE_BASE_URL: 'http://cohere.invalid:8080',
};
