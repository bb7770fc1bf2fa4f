/**
 * 4.2/external-services: each service the target declares, reached directly
 * with its official client and the target's own credentials. Locally, when
 * the configured collection holds nothing yet (nothing was ingested), one
 * small document goes in through the target's own ingestion route first, so
 * "it holds points" also proves the target writes where QDRANT_COLLECTION
 * says; the document is removed again afterwards. A remote run only reads.
 */
import { failed, passed, skipped, type Verdict } from '../../checks/check.ts';
import type { CheckContext } from '../../checks/context.ts';
import { describeFetchError } from '../../support/http.ts';
import { ingestProbeDocument, removeProbeDocument, type ProbeDocument } from './probe-document.ts';
import {
  judgeCollection,
  probeCohere,
  probePostgres,
  qdrantClient,
  readCollection,
  runCredentials,
  type CollectionFacts,
  type Credentials,
} from './services.ts';

interface Part {
  ok: boolean;
  message: string;
}

export async function probeExternalServices(ctx: CheckContext): Promise<Verdict> {
  const timeoutMs = ctx.thresholds.requestTimeoutMs * 2;
  const credentials = await runCredentials(ctx);
  const parts: Part[] = [];
  const skippedParts = Object.entries(credentials.missing).map(([service, reason]) => `${service}: ${reason}`);

  if (credentials.database) parts.push(await probePostgres(credentials.database.url, timeoutMs));
  let dimension: number | undefined;
  if (credentials.cohere) {
    const cohere = await probeCohere(credentials.cohere, timeoutMs);
    dimension = cohere.dimension;
    parts.push(cohere);
  }
  if (credentials.qdrant) parts.push(await probeQdrant(ctx, credentials.qdrant, dimension, timeoutMs));

  if (parts.length === 0) {
    return skipped(
      skippedParts.length > 0
        ? `no service could be reached directly: ${skippedParts.join('; ')}`
        : 'the target declares no database, Qdrant or Cohere (target.database, target.api)',
    );
  }
  const unused = [
    ctx.target.database ? undefined : 'postgres',
    ctx.target.api.qdrant ? undefined : 'qdrant',
    ctx.target.api.cohere ? undefined : 'cohere',
  ].filter((name): name is string => name !== undefined);
  const lines = [
    ...parts.map((part) => part.message),
    ...skippedParts.map((line) => `${line} (not checked)`),
    ...(unused.length > 0 ? [`${unused.join(', ')}: not used by the target (target.database, target.api)`] : []),
  ];
  const broken = parts.filter((part) => !part.ok);
  if (broken.length > 0) return failed(broken.map((part) => part.message).join('; '), lines.join('\n'));
  return passed(lines.join('; '));
}

async function probeQdrant(
  ctx: CheckContext,
  qdrant: NonNullable<Credentials['qdrant']>,
  dimension: number | undefined,
  timeoutMs: number,
): Promise<Part> {
  const client = qdrantClient(qdrant, timeoutMs);
  const notes: string[] = [];
  let probe: ProbeDocument | undefined;
  try {
    let facts: CollectionFacts = await readCollection(client, qdrant.collection);
    if (ctx.kind === 'local' && !facts.points) {
      probe = await ingestProbeDocument(ctx, timeoutMs * 3);
      notes.push(probe.note);
      facts = await readCollection(client, qdrant.collection);
    }
    const problems = judgeCollection(qdrant.collection, facts, dimension);
    const described = facts.exists
      ? `collection "${qdrant.collection}": ${facts.points} point(s) of size ${facts.vectorSize ?? 'unknown'}`
      : `collection "${qdrant.collection}" absent`;
    const context = [described, ...notes].join(', ');
    if (problems.length > 0) return { ok: false, message: `${problems.join('; ')} (${context})` };
    return { ok: true, message: `qdrant: ${context}` };
  } catch (error) {
    return { ok: false, message: `qdrant: ${describeFetchError(error)}` };
  } finally {
    // The probe document goes again: what 5.1 measures retrieval on stays the corpus alone.
    if (probe) await removeProbeDocument(ctx, probe, timeoutMs, client);
  }
}
