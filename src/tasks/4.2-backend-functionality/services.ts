/**
 * External services reached directly with their official clients, using the
 * credentials the target runs with: PostgreSQL (pg, with the configured
 * sslmode), Qdrant (@qdrant/js-client-rest: the configured collection exists,
 * its vector size is the embedding model's, it holds points) and Cohere
 * (cohere-ai: the key works, with one embed call that also gives the model's
 * dimension). Locally the credentials are the run's own (its canaries and
 * stand-ins, through mapped ports); a remote run takes them from
 * SHIPSHAPE_<VARIABLE> and reads names and sizes only, never a value.
 */
import { QdrantClient } from '@qdrant/js-client-rest';
import { CohereClientV2 } from 'cohere-ai';
import pg from 'pg';
import type { CheckContext } from '../../checks/context.ts';
import type { TargetSpec } from '../../config/target-spec.ts';
import { describeFetchError } from '../../support/http.ts';

type Api = Pick<TargetSpec, 'api' | 'database'>;

export interface Credentials {
  database?: { url: string };
  qdrant?: { url: string; apiKey: string; collection: string };
  cohere?: { apiKey: string; baseUrl?: string; embedModel: string };
  /** Per service the target uses without credentials here: why it cannot be reached. */
  missing: Record<string, string>;
}

/** The prefix under which a remote run finds the target's variables: SHIPSHAPE_QDRANT_URL, ... */
export const remoteVariablePrefix = 'SHIPSHAPE_';

/**
 * Reads the target's variables from `variables` (the container's environment locally, SHIPSHAPE_* remotely)
 * and says, for each service the target uses, which variable is missing. Pure.
 */
export function credentialsFrom(
  target: Api,
  variables: Record<string, string | undefined>,
  describe: (name: string) => string,
): Credentials {
  const credentials: Credentials = { missing: {} };
  const need = (service: string, names: string[]): string[] | undefined => {
    const absent = names.filter((name) => !variables[name]);
    if (absent.length === 0) return names.map((name) => variables[name]!);
    credentials.missing[service] = `no credentials: set ${absent.map(describe).join(', ')}`;
    return undefined;
  };
  if (target.database) {
    const values = need('postgres', ['DATABASE_URL']);
    if (values) credentials.database = { url: values[0]! };
  }
  const { qdrant, cohere } = target.api;
  if (qdrant) {
    const values = need('qdrant', [qdrant.urlVariable, qdrant.apiKeyVariable, qdrant.collectionVariable]);
    if (values) credentials.qdrant = { url: values[0]!, apiKey: values[1]!, collection: values[2]! };
  }
  if (cohere) {
    const values = need('cohere', [cohere.apiKeyVariable]);
    const baseUrl = variables[cohere.baseUrlVariable];
    if (values) {
      credentials.cohere = {
        apiKey: values[0]!,
        ...(baseUrl ? { baseUrl } : {}),
        embedModel: variables[cohere.embedModelVariable] || cohere.defaultEmbedModel,
      };
    }
  }
  return credentials;
}

/** The run's credentials: locally the target's own, pointed at the dependencies' mapped ports. */
export async function runCredentials(ctx: CheckContext): Promise<Credentials> {
  if (ctx.kind !== 'local') {
    const env = Object.fromEntries(
      Object.entries(process.env)
        .filter(([name]) => name.startsWith(remoteVariablePrefix))
        .map(([name, value]) => [name.slice(remoteVariablePrefix.length), value]),
    );
    return credentialsFrom(ctx.target, env, (name) => `${remoteVariablePrefix}${name}`);
  }
  const credentials = credentialsFrom(ctx.target, ctx.local.environment, (name) => name);
  // Inside the network the target reaches postgres:5432, qdrant:6333 and cohere by alias; the harness only
  // reaches 127.0.0.1 and the mapped ports.
  if (credentials.database) {
    const url = new URL(credentials.database.url);
    const mapped = new URL(await ctx.faults.mappedUrl('postgres', 'postgres'));
    url.hostname = mapped.hostname;
    url.port = mapped.port;
    credentials.database.url = url.toString();
  }
  if (credentials.qdrant) credentials.qdrant.url = await ctx.faults.mappedUrl('qdrant');
  if (credentials.cohere?.baseUrl) credentials.cohere.baseUrl = await ctx.faults.mappedUrl('cohere');
  return credentials;
}

/** libpq's sslmode as node-postgres takes it (pg reads `require` as verify-full, which refuses a self-signed certificate). */
export function sslFor(sslmode: string | null): pg.ClientConfig['ssl'] {
  if (sslmode === 'disable') return false;
  if (sslmode === 'verify-ca' || sslmode === 'verify-full') return { rejectUnauthorized: true };
  return { rejectUnauthorized: false };
}

/** Connects as the target does and asks whether the session is encrypted; returns what it found. */
export async function probePostgres(databaseUrl: string, timeoutMs: number): Promise<{ ok: boolean; message: string }> {
  const url = new URL(databaseUrl);
  const sslmode = url.searchParams.get('sslmode');
  url.searchParams.delete('sslmode');
  const client = new pg.Client({
    connectionString: url.toString(),
    ssl: sslFor(sslmode),
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
  });
  try {
    await client.connect();
    const result = await client.query<{ ssl: boolean | null }>(
      'select ssl from pg_stat_ssl where pid = pg_backend_pid()',
    );
    const encrypted = result.rows[0]?.ssl === true;
    const mode = sslmode ?? 'prefer (unset)';
    if (!encrypted && sslmode !== null && !['disable', 'allow', 'prefer'].includes(sslmode)) {
      return { ok: false, message: `postgres: connected with sslmode=${mode} but the session is not encrypted` };
    }
    return {
      ok: true,
      message: `postgres: connected with sslmode=${mode}, ${encrypted ? 'encrypted' : 'not encrypted'}`,
    };
  } catch (error) {
    return {
      ok: false,
      message: `postgres: cannot connect with sslmode=${sslmode ?? 'unset'}: ${(error as Error).message}`,
    };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** One cheap call with the key: embeds one short query; its length is the model's dimension. */
export async function probeCohere(
  cohere: NonNullable<Credentials['cohere']>,
  timeoutMs: number,
): Promise<{ ok: boolean; message: string; dimension?: number }> {
  const client = new CohereClientV2({
    token: cohere.apiKey,
    ...(cohere.baseUrl ? { environment: cohere.baseUrl.replace(/\/+$/, '') } : {}),
  });
  try {
    const response = await client.embed(
      { texts: ['shipshape'], model: cohere.embedModel, inputType: 'search_query', embeddingTypes: ['float'] },
      { timeoutInSeconds: Math.ceil(timeoutMs / 1000), maxRetries: 0 },
    );
    const dimension = response.embeddings.float?.[0]?.length;
    if (!dimension) return { ok: false, message: `cohere: embed with ${cohere.embedModel} returned no float vector` };
    return {
      ok: true,
      message: `cohere: the key works (${cohere.embedModel} embeds to ${dimension} dimensions)`,
      dimension,
    };
  } catch (error) {
    const status = (error as { statusCode?: number }).statusCode;
    const reason =
      status === 401 ? 'the key is refused (401)' : status ? `answered ${status}` : describeFetchError(error);
    return { ok: false, message: `cohere: one embed call with ${cohere.embedModel} failed: ${reason}` };
  }
}

export interface CollectionFacts {
  exists: boolean;
  vectorSize?: number;
  points?: number;
}

/** Names and sizes only: whether the collection exists, its vector size, how many points it holds. */
export async function readCollection(client: QdrantClient, collection: string): Promise<CollectionFacts> {
  const { exists } = await client.collectionExists(collection);
  if (!exists) return { exists };
  const info = await client.getCollection(collection);
  const vectors = info.config.params.vectors as { size?: number } | Record<string, { size?: number }> | undefined;
  const size =
    typeof (vectors as { size?: unknown } | undefined)?.size === 'number'
      ? (vectors as { size: number }).size
      : Object.values((vectors ?? {}) as Record<string, { size?: number }>)[0]?.size;
  const { count } = await client.count(collection, { exact: true });
  return { exists, ...(size === undefined ? {} : { vectorSize: size }), points: count };
}

export function qdrantClient(qdrant: NonNullable<Credentials['qdrant']>, timeoutMs: number): QdrantClient {
  // The key as a header: given as apiKey over http the client prints a warning on stderr.
  return new QdrantClient({
    url: qdrant.url,
    headers: { 'api-key': qdrant.apiKey },
    checkCompatibility: false,
    timeout: timeoutMs,
  });
}

/** Pure: what is wrong with the collection, given the embedding model's dimension (when known). */
export function judgeCollection(collection: string, facts: CollectionFacts, dimension: number | undefined): string[] {
  if (!facts.exists) return [`qdrant: the configured collection "${collection}" does not exist`];
  const problems: string[] = [];
  if (dimension !== undefined && facts.vectorSize !== dimension) {
    problems.push(
      `qdrant: collection "${collection}" holds vectors of size ${facts.vectorSize ?? 'unknown'}, ` +
        `but the embedding model produces ${dimension}`,
    );
  }
  if (!facts.points) problems.push(`qdrant: collection "${collection}" holds no points`);
  return problems;
}
