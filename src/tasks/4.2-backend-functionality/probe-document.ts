/**
 * A local run's collection holds nothing until someone ingests (5.1 does,
 * after this suite), and an empty knowledge base gives canned answers that
 * exercise neither retrieval nor generation. So, locally and where the
 * target has an ingestion route, a check may add one small probe document
 * through that route for its duration; it is removed again through Qdrant
 * afterwards, so later suites measure the corpus alone. A remote run adds
 * nothing.
 */
import type { QdrantClient } from '@qdrant/js-client-rest';
import type { CheckContext } from '../../checks/context.ts';
import { describeFetchError, excerpt } from '../../support/http.ts';
import { qdrantClient, runCredentials } from './services.ts';

/** Its text shares words with the questions 4.2 asks over the WebSocket, so retrieval finds it. */
const probeText =
  'How should a container handle SIGTERM? A container should handle SIGTERM by finishing the answers in flight, ' +
  'closing its WebSockets and its database pool, and then exiting with code 0 before the platform sends SIGKILL.';

export interface ProbeDocument {
  /** What happened: ingested, or why not. */
  note: string;
  /** Set when the document went in: its id, for the removal. */
  documentId?: string;
}

/** Adds the probe document through the target's ingestion route; never throws. */
export async function ingestProbeDocument(ctx: CheckContext, timeoutMs: number): Promise<ProbeDocument> {
  const documents = ctx.target.api.documents;
  if (ctx.kind !== 'local' || !documents) return { note: 'no probe document added' };
  const token = ctx.local.environment[documents.tokenVariable];
  if (!token) return { note: `no probe document added (${documents.tokenVariable} is not set for the target)` };
  const documentId = `shipshape-4.2-${ctx.runId}-${ctx.checkId.split('/')[1]}`;
  try {
    const response = await fetch(`${ctx.baseUrl}${documents.path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ documents: [{ id: documentId, title: 'shipshape probe document', text: probeText }] }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    return response.ok
      ? { note: `one probe document ingested through POST ${documents.path} and removed again`, documentId }
      : { note: `POST ${documents.path} answered ${response.status} to one probe document: ${excerpt(text, 200)}` };
  } catch (error) {
    return { note: `POST ${documents.path} failed: ${describeFetchError(error)}` };
  }
}

/** Removes the probe document's points (payload document_id) from the configured collection; never throws. */
export async function removeProbeDocument(
  ctx: CheckContext,
  probe: ProbeDocument,
  timeoutMs: number,
  client?: QdrantClient,
): Promise<void> {
  if (!probe.documentId) return;
  try {
    const credentials = await runCredentials(ctx);
    if (!credentials.qdrant) return;
    const qdrant = client ?? qdrantClient(credentials.qdrant, timeoutMs);
    await qdrant.delete(credentials.qdrant.collection, {
      wait: true,
      filter: { must: [{ key: 'document_id', match: { value: probe.documentId } }] },
    });
  } catch {
    // Best effort: a local run's collection goes with its containers anyway.
  }
}

/** Runs `during` with the probe document in the collection (locally), removing it afterwards. */
export async function withProbeDocument<T>(
  ctx: CheckContext,
  timeoutMs: number,
  during: (probe: ProbeDocument) => Promise<T>,
): Promise<T> {
  const probe = await ingestProbeDocument(ctx, timeoutMs);
  try {
    return await during(probe);
  } finally {
    await removeProbeDocument(ctx, probe, timeoutMs);
  }
}
