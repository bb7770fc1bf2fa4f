/**
 * Seed task 5.1, "End-to-end testing": the team's chat page in a real browser
 * from the origin the target allows (and refused from one it does not), RAG
 * quality over golden questions (hit@k, MRR, grounded answers) with the corpus
 * where the target is configured to keep it and the embedding input types
 * right, a conversation's round trip through the API and the database, and
 * one dependency fault at a time (Qdrant, Cohere rate-limited, failing and
 * slow, PostgreSQL restarted) answered with a clear 503 and recovered from.
 * Against a deployed service only the non-destructive checks run.
 */
import { defineCheck, defineTask, type LimitInputs } from '../../checks/definition.ts';
import { probeBrowserChat, probeForeignOrigin } from './browser-probes.ts';
import { probeEmbeddingInputTypes, probeRagQuality } from './rag-probes.ts';
import { probeConversationRoundTrip } from './round-trip.ts';
import { probeScenario, scenarioTimeLimitMs } from './scenarios.ts';

/** A browser start, the page, two answers and room for a busy machine. */
const browserMs = ({ thresholds }: LimitInputs) => 90_000 + 6 * thresholds.requestTimeoutMs;

const scenarioHint =
  'Bound every call to a dependency (timeout, bounded retries honouring Retry-After), answer 503 with {"error":{"code"}} ' +
  'over HTTP and an error frame over the WebSocket when it fails (never a 200 with an error text), make readiness ' +
  'name the failing dependency, and reconnect once it is back.';

export const endToEndTask = defineTask({
  id: '5.1',
  name: 'end-to-end',
  title: 'End-to-end testing',
  checks: [
    defineCheck({
      id: '5.1/browser-chat',
      title:
        'In a real browser, the chat page from the allowed origin shows answers and sources over HTTP and the WebSocket',
      hint: "List the frontend's origin in CORS_ORIGINS (exact scheme, host and port) and accept it in the WebSocket's Origin check; answer with `answer`/`sources` over HTTP and a `response` frame with `message`/`sources`.",
      requires: ['reachable-target', 'websocket-route'],
      timeLimitMs: browserMs,
      run: probeBrowserChat,
    }),
    defineCheck({
      id: '5.1/browser-foreign-origin-refused',
      title:
        'In a real browser, the same page from an origin not allowed can neither read an answer nor open the WebSocket',
      hint: 'Send CORS headers only for the listed origins (never reflect any Origin, never `*` with credentials) and refuse a WebSocket whose Origin is not listed.',
      requires: ['reachable-target', 'websocket-route'],
      timeLimitMs: browserMs,
      run: probeForeignOrigin,
    }),
    defineCheck({
      id: '5.1/rag-quality',
      title:
        'The ingested corpus is in the configured collection, and golden questions cite their page (hit@1, hit@3, MRR) with grounded answers',
      hint: 'Ingest into and search the collection QDRANT_COLLECTION names, embed with the same model for documents and questions, and return the retrieved pages as sources, best first.',
      requires: ['running-target'],
      timeLimitMs: ({ thresholds }) => 120_000 + 24 * thresholds.requestTimeoutMs,
      run: probeRagQuality,
    }),
    defineCheck({
      id: '5.1/embedding-input-types',
      title: 'Documents are embedded as search_document and questions as search_query',
      hint: "Pass input_type 'search_document' when embedding documents for ingestion and 'search_query' when embedding a question: Cohere's v3+ models embed the two differently.",
      requires: ['running-target'],
      timeLimitMs: ({ thresholds }) => 60_000 + 4 * thresholds.requestTimeoutMs,
      run: probeEmbeddingInputTypes,
    }),
    defineCheck({
      id: '5.1/conversation-round-trip',
      title:
        'A conversation is created, read back, continued and deleted through the API, and its rows follow in PostgreSQL',
      hint: 'Store each question and answer in the conversation the request names, return it from GET /api/v1/conversations/:id in order, and delete its messages with it on DELETE.',
      requires: ['reachable-target'],
      timeLimitMs: ({ thresholds }) => 60_000 + 8 * thresholds.requestTimeoutMs,
      run: probeConversationRoundTrip,
    }),
    defineCheck({
      id: '5.1/qdrant-down',
      title:
        'While Qdrant does not answer: 503 with a code in bounded time, an error frame, readiness naming it, full recovery',
      hint: `Give the Qdrant client a timeout. ${scenarioHint}`,
      requires: ['running-target', 'readiness-route'],
      timeLimitMs: scenarioTimeLimitMs,
      run: (ctx) => probeScenario(ctx, 'qdrant-down'),
    }),
    defineCheck({
      id: '5.1/cohere-rate-limited',
      title:
        'While Cohere answers 429 with Retry-After: 503 with a code in bounded time, an error frame, readiness naming it, full recovery',
      hint: `Retry a 429 a bounded number of times within a time budget, honouring Retry-After, then give up with 503 (and Retry-After). ${scenarioHint}`,
      requires: ['running-target', 'readiness-route'],
      timeLimitMs: scenarioTimeLimitMs,
      run: (ctx) => probeScenario(ctx, 'cohere-rate-limited'),
    }),
    defineCheck({
      id: '5.1/cohere-failing',
      title:
        'While Cohere answers 500: 503 with a code in bounded time, an error frame, readiness naming it, full recovery',
      hint: scenarioHint,
      requires: ['running-target', 'readiness-route'],
      timeLimitMs: scenarioTimeLimitMs,
      run: (ctx) => probeScenario(ctx, 'cohere-failing'),
    }),
    defineCheck({
      id: '5.1/cohere-slow',
      title:
        "While Cohere answers slower than the target's timeout: 503 within that timeout, an error frame, readiness naming it, full recovery",
      hint: `Set a timeout on every Cohere call (the SDK's timeoutInSeconds or an AbortSignal) and declare it in target.endToEnd.upstreamTimeoutMs. ${scenarioHint}`,
      requires: ['running-target', 'readiness-route'],
      timeLimitMs: scenarioTimeLimitMs,
      run: (ctx) => probeScenario(ctx, 'cohere-slow'),
    }),
    defineCheck({
      id: '5.1/postgres-restarted',
      title:
        'While PostgreSQL restarts: 503 with a code in bounded time, an error frame, readiness naming it, recovery, no accepted question lost',
      hint: `Store the question before answering and answer 503 when the store fails; let the pool reconnect after a restart. ${scenarioHint}`,
      requires: ['database', 'running-target', 'readiness-route'],
      timeLimitMs: scenarioTimeLimitMs,
      run: (ctx) => probeScenario(ctx, 'postgres-restarted'),
    }),
  ],
});
