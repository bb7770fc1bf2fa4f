/**
 * Where the load goes. Locally: a second container of the target image on the run's network, with the
 * same variables as the main target except a rate limit that does not shape the figures and warn-level
 * logs (as scripts/bench-backend.ts runs it), so the load neither trips the limiter the other suites'
 * requests count against nor competes with them; it answers on 127.0.0.1 only, and the run's sweep
 * removes it. Its container id is what the Docker stats are read from. Remotely: the deployed URL.
 */
import type { CheckContext } from '../../checks/context.ts';
import { containerLogs, startTargetContainer, waitForHealthy } from '../../environments/local/target.ts';
import { ingestCorpus, loadCorpus } from '../../load/corpus.ts';
import { assertLocalUrl } from '../../load/safety.ts';
import { progress } from '../../support/progress.ts';

export const loadTargetEnvironment = { RATE_LIMIT_PER_MINUTE: '100000000', LOG_LEVEL: 'warn' } as const;

export interface LoadTarget {
  baseUrl: string;
  kind: 'local' | 'remote';
  /** Local only: the container whose CPU and memory are sampled. */
  containerId?: string;
  questions: string[];
}

/** Pages of fixtures/corpus ingested into the load target (their golden questions are what it asks). */
const corpusPages = 6;

let started: Promise<LoadTarget> | undefined;

/** One load target per suite run (the checks of 5.2 run one after another in one worker). */
export function loadTarget(ctx: CheckContext): Promise<LoadTarget> {
  if (ctx.kind === 'remote') return remoteTarget(ctx);
  started ??= startLocal(ctx).catch((error: unknown) => {
    started = undefined;
    throw error;
  });
  return started;
}

async function remoteTarget(ctx: CheckContext): Promise<LoadTarget> {
  const corpus = await loadCorpus(corpusPages);
  return { baseUrl: ctx.baseUrl, kind: 'remote', questions: corpus.questions };
}

async function startLocal(ctx: CheckContext): Promise<LoadTarget> {
  const corpus = await loadCorpus(corpusPages);
  const target = await startTargetContainer({
    image: ctx.local.image,
    ...ctx.network,
    port: ctx.target.port,
    environment: { ...ctx.local.environment, ...loadTargetEnvironment },
  });
  assertLocalUrl(target.baseUrl);
  const readyPath = ctx.target.paths.ready ?? ctx.target.paths.health;
  // It starts while the main target and its dependencies are up on the same two cores: at least a minute.
  const outcome = await waitForHealthy(target, readyPath, Math.max(ctx.thresholds.healthyWithinMs, 60_000));
  if (!outcome.healthy) {
    throw new Error(
      `the load target (a second container of the image) did not get ready: ${outcome.reason}\n${outcome.logs}`,
    );
  }
  // Through the target's admin ingestion when it declares one; a target without it answers from what it has.
  const documents = ctx.target.api.documents;
  const adminToken = documents ? ctx.local.environment[documents.tokenVariable] : undefined;
  if (!documents || !adminToken) {
    progress(`load target ready after ${outcome.afterMs} ms (no ingestion route declared: nothing ingested)`);
  } else {
    try {
      const chunks = await ingestCorpus(target.baseUrl, adminToken, corpus, documents.path);
      progress(
        `load target ready after ${outcome.afterMs} ms; ingested ${corpus.pages.length} pages, ${chunks} chunks`,
      );
    } catch (error) {
      throw new Error(
        `ingesting the load corpus failed: ${(error as Error).message}\n${await containerLogs(target.container)}`,
        { cause: error },
      );
    }
  }
  return { baseUrl: target.baseUrl, kind: 'local', containerId: target.container.getId(), questions: corpus.questions };
}
