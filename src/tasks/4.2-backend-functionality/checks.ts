/**
 * Seed task 4.2, "Verify backend functionality": every route of the
 * target's contract answers as the profile expects and as its own OpenAPI
 * document says, the WebSocket protocol holds beyond one answer (streaming,
 * keep-alive and ping, bad frames, the close handshake), and the external
 * services are reported by readiness and reachable with the target's
 * credentials. 1.2 already asks one question each way and wants /health and
 * readiness 200; these checks judge other properties of the same routes.
 * Against a deployed service everything here is read-only, except the
 * questions asked, whose conversations are deleted afterwards.
 */
import type { CheckContext } from '../../checks/context.ts';
import { skipped } from '../../checks/check.ts';
import { defineCheck, defineTask } from '../../checks/definition.ts';
import { probeRoutesMatchOpenApi, probeRoutesMatchProfile } from './contract.ts';
import { probeExternalServices } from './external-services.ts';
import { withProbeDocument } from './probe-document.ts';
import { probeReadinessReportsDependencies } from './readiness.ts';
import { probeBadFrame, probeCleanClose, probeKeepAlive, probeStreamedAnswer, type ProbeOptions } from './websocket.ts';

function wsOptions(ctx: CheckContext): ProbeOptions {
  return {
    baseUrl: ctx.baseUrl,
    target: ctx.target,
    answerTimeoutMs: ctx.thresholds.requestTimeoutMs * 2,
    runId: ctx.runId,
  };
}

/** Keep-alive timing on two shared cores: the interval, plus room for a loaded machine. */
const keepAliveSlackMs = (intervalMs: number) => Math.max(5_000, intervalMs / 2);

export const backendFunctionalityTask = defineTask({
  id: '4.2',
  name: 'backend-functionality',
  title: 'Verify backend functionality',
  checks: [
    defineCheck({
      id: '4.2/routes-match-profile',
      title: "Every contract route answers with the status and body the harness expects from the target's profile",
      hint: 'Keep the routes in the shape the frontend and the profile expect (field names, {"error":{"code","message"}} with a 4xx for a bad request, 404 after a delete); change the profile only when the contract changed on purpose.',
      requires: ['reachable-target'],
      run: probeRoutesMatchProfile,
    }),
    defineCheck({
      id: '4.2/routes-match-openapi',
      title: 'What every contract route answers agrees with the OpenAPI document the target serves',
      hint: 'Generate the OpenAPI document from the route schemas (never by hand) and serve that; document every status a route answers, with its body schema.',
      requires: ['reachable-target'],
      run: probeRoutesMatchOpenApi,
    }),
    defineCheck({
      id: '4.2/readiness-reports-dependencies',
      title:
        'Readiness names every dependency the target uses, each with ok and its latency, and its status follows them',
      hint: 'Serve a readiness route (e.g. /health/ready) that checks PostgreSQL, Qdrant and Cohere each within a bound and answers {"checks":{"<name>":{"ok","latencyMs"}}} with 200 only when all are ok, else 503.',
      requires: ['reachable-target'],
      run: (ctx) => probeReadinessReportsDependencies(ctx.baseUrl, ctx.target, ctx.thresholds.requestTimeoutMs),
    }),
    defineCheck({
      id: '4.2/external-services',
      title:
        "PostgreSQL, Qdrant and Cohere answer their official clients with the target's credentials; the collection fits the embeddings",
      hint: "Use the configured QDRANT_COLLECTION for ingestion and retrieval, create it with the embedding model's vector size, keep the Cohere key valid and DATABASE_URL's sslmode working (require for Railway's self-signed certificate).",
      requires: ['reachable-target'],
      timeLimitMs: ({ thresholds }) => thresholds.requestTimeoutMs * 12 + 30_000,
      run: probeExternalServices,
    }),
    defineCheck({
      id: '4.2/websocket-streams-deltas',
      title:
        'Asked to stream, the WebSocket sends delta frames that add up to the one response frame; unasked, the response alone',
      hint: 'When a message asks to stream, send each piece of the answer as it is generated ({"type":"delta","content"}), then the whole {"type":"response"}; without it, only the response.',
      requires: ['websocket-route', 'reachable-target'],
      timeLimitMs: ({ thresholds }) => thresholds.requestTimeoutMs * 12 + 30_000,
      run: async (ctx) => {
        if (!ctx.target.api.websocket.streaming) {
          return skipped('the target declares no streaming (target.api.websocket.streaming is null)');
        }
        // Locally the collection is empty until 5.1 ingests: a probe document gives the model something to stream.
        return withProbeDocument(ctx, ctx.thresholds.requestTimeoutMs * 3, async (probe) => {
          const verdict = await probeStreamedAnswer(wsOptions(ctx));
          return probe.documentId ? { ...verdict, message: `${verdict.message}; ${probe.note}` } : verdict;
        });
      },
    }),
    defineCheck({
      id: '4.2/websocket-keep-alive',
      title: 'An idle WebSocket gets a keep-alive frame within its interval, and a protocol ping is answered',
      hint: 'Send {"type":"keep-alive"} after the configured idle time (10 s) so proxies keep the socket open, and let the WebSocket library answer pings.',
      requires: ['websocket-route', 'reachable-target'],
      timeLimitMs: ({ target, thresholds }) =>
        (target.api.websocket.keepAliveIntervalMs ?? 0) * 2 + thresholds.requestTimeoutMs * 4 + 15_000,
      run: async (ctx) => {
        const interval = ctx.target.api.websocket.keepAliveIntervalMs;
        if (interval === null)
          return skipped('the target declares no keep-alive (target.api.websocket.keepAliveIntervalMs is null)');
        return probeKeepAlive(wsOptions(ctx), keepAliveSlackMs(interval));
      },
    }),
    defineCheck({
      id: '4.2/websocket-bad-frame',
      title: 'A bad frame is answered with an error frame, the socket stays open, and the next question is answered',
      hint: 'Validate each frame; answer one that is not JSON or lacks its content with {"type":"error","code","message"} and keep the socket open (never close it or stay silent).',
      requires: ['websocket-route', 'reachable-target'],
      run: (ctx) => probeBadFrame(wsOptions(ctx)),
    }),
    defineCheck({
      id: '4.2/websocket-clean-close',
      title: "The client's close (1000) is answered with a close frame 1000: the handshake completes",
      hint: "Let the WebSocket library answer the client's close frame (do not destroy the connection on close), so clients see 1000 rather than 1006.",
      requires: ['websocket-route', 'reachable-target'],
      run: (ctx) => probeCleanClose(wsOptions(ctx), 5_000),
    }),
  ],
});
