/**
 * Seed task 1.2, "Test local Docker build": the image builds, the container
 * runs, becomes healthy within a bound and again after a restart, answers
 * questions the way the frontend asks them, stops cleanly on SIGTERM and
 * refuses a broken configuration clearly. (PORT handling is 3.1's.)
 */
import type { CheckContext } from '../../checks/context.ts';
import { defineCheck, defineTask } from '../../checks/definition.ts';
import { probeQueryAnswers, probeWebSocketAnswers } from './basic-functionality.ts';
import {
  imageBuildVerdict,
  probeHealth200,
  probeHealthyAfterRestart,
  probeReady200,
  startVerdict,
} from './container.ts';
import { holdAnswers } from './answer-hold.ts';
import { probeFatalConfigExitsCleanly, probeSigtermExitsCleanly, type ContainerRun } from './lifecycle.ts';

/** A second container of the target's image, wired like the first. */
function containerRun(ctx: CheckContext): ContainerRun {
  return {
    image: ctx.local.image,
    ...ctx.network,
    port: ctx.target.port,
    environment: ctx.local.environment,
    healthPath: ctx.target.paths.health,
    secrets: ctx.secrets,
  };
}

/** A second container: its start-up bound (twice, for the restart), and room to create and remove it. */
const twoStartsMs = ({ thresholds }: { thresholds: { healthyWithinMs: number } }) =>
  2 * thresholds.healthyWithinMs + 60_000;

export const localDockerTask = defineTask({
  id: '1.2',
  name: 'local-docker',
  title: 'Test local Docker build',
  checks: [
    defineCheck({
      id: '1.2/image-builds',
      title: 'The image builds from the Dockerfile',
      hint: 'Fix the failing Dockerfile step shown in the evidence; reproduce with `docker build -f <Dockerfile> <context>`.',
      requires: ['local'],
      run: async (ctx) => imageBuildVerdict(ctx.local),
    }),
    defineCheck({
      id: '1.2/healthy-within-bound',
      title: 'The container answers its health route within the bound',
      hint: 'Listen on 0.0.0.0 or :: (not 127.0.0.1) on $PORT early in start-up; move slow work after listen, or raise thresholds.healthyWithinMs.',
      requires: ['started-environment'],
      run: async (ctx) => startVerdict(ctx.local, ctx.thresholds.healthyWithinMs),
    }),
    defineCheck({
      id: '1.2/health-200',
      title: 'GET /health answers 200 with {"status":"ok"}',
      hint: 'Serve the health route with HTTP 200 and a JSON body {"status":"ok"}, touching no dependency.',
      requires: ['reachable-target'],
      run: (ctx) => probeHealth200(ctx.baseUrl, ctx.target.paths.health, ctx.thresholds.requestTimeoutMs),
    }),
    defineCheck({
      id: '1.2/ready-200',
      title: 'GET /health/ready answers 200 with every dependency reachable from inside the network',
      hint: 'Check DATABASE_URL (host, credentials, sslmode=require for a self-signed certificate) and that readiness reports each dependency.',
      requires: ['readiness-route', 'reachable-target'],
      run: (ctx) => probeReady200(ctx.baseUrl, ctx.readinessPath, ctx.thresholds.requestTimeoutMs),
    }),
    defineCheck({
      id: '1.2/query-answers',
      title: 'A question through the HTTP API gets an answer with sources',
      hint: 'Serve POST <paths.query> with the frontend\'s fields (profile "query" shape) and answer 200 with the answer text and a sources list.',
      requires: ['reachable-target'],
      run: (ctx) => probeQueryAnswers(ctx.client(ctx.thresholds.requestTimeoutMs * 2)),
    }),
    defineCheck({
      id: '1.2/websocket-answers',
      title: 'A question over the WebSocket gets a response frame with sources',
      hint: 'Accept {"type":"message","content":...} on <paths.ws> and send a {"type":"response","message":...,"sources":[...]} frame (profile "ws" shape).',
      requires: ['websocket-route', 'reachable-target'],
      run: (ctx) => probeWebSocketAnswers(ctx.client(ctx.thresholds.requestTimeoutMs * 2)),
    }),
    defineCheck({
      id: '1.2/sigterm-exits-cleanly',
      title: 'On SIGTERM the answers in flight are still given and the container exits 0 within the drain bound',
      hint: 'Run the app as PID 1 in exec form (CMD ["node", ...], not a shell or npm start); on SIGTERM stop accepting new work, let in-flight HTTP requests and WebSocket answers finish, then exit 0 before thresholds.drainWithinMs.',
      requires: ['running-target'],
      timeLimitMs: ({ thresholds }) => 2 * thresholds.healthyWithinMs + 2 * thresholds.drainWithinMs + 60_000,
      run: (ctx) =>
        probeSigtermExitsCleanly(
          {
            ...containerRun(ctx),
            api: ctx.target,
            healthyWithinMs: ctx.thresholds.healthyWithinMs,
            drainWithinMs: ctx.thresholds.drainWithinMs,
            requestTimeoutMs: ctx.thresholds.requestTimeoutMs,
          },
          () => holdAnswers(ctx, { cohereLatencyMs: 1_500 }),
        ),
    }),
    defineCheck({
      id: '1.2/fatal-config-exits-cleanly',
      title: 'A fatal configuration error exits non-zero with a clear line, not a stack trace',
      hint: 'Validate the environment at start-up; on a missing or malformed variable log one line naming it and exit 1 (no unhandled exception, no traceback, no exit 0).',
      requires: ['required-variable', 'started-environment'],
      run: (ctx) =>
        probeFatalConfigExitsCleanly(containerRun(ctx), ctx.target.requiredEnv[0]!, ctx.thresholds.healthyWithinMs),
    }),
    defineCheck({
      id: '1.2/healthy-after-restart',
      title: 'After `docker restart` the container is healthy again within the bound',
      hint: "Make start-up repeatable in the same container (Railway's restart policy restarts it): idempotent migrations, no lock or pid file that outlives the process.",
      requires: ['running-target'],
      timeLimitMs: twoStartsMs,
      run: (ctx) =>
        probeHealthyAfterRestart({
          image: ctx.local.image,
          ...ctx.network,
          port: ctx.target.port,
          environment: ctx.local.environment,
          healthPath: ctx.target.paths.health,
          withinMs: ctx.thresholds.healthyWithinMs,
        }),
    }),
  ],
});
