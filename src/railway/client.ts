/**
 * Railway's GraphQL API through graphql-request, with the operations of
 * operations.ts as the only query text. Every failure becomes a
 * RailwayApiError that says what happened and what to do (401/403 and
 * "Not Authorized": the token; 429: when to retry; a network failure: the
 * endpoint), and never carries the request: graphql-request's own error
 * message embeds the variables, which hold values of secrets.
 */
import { ClientError, GraphQLClient } from 'graphql-request';
import { operations } from './operations.ts';
import type { RailwayIds, RailwaySettings } from './settings.ts';
import type { RailwayToken } from './tokens.ts';

export type RailwayErrorKind = 'unauthorized' | 'forbidden' | 'rate-limited' | 'network' | 'graphql' | 'http';

export class RailwayApiError extends Error {
  override name = 'RailwayApiError';
  readonly kind: RailwayErrorKind;
  readonly retryAfterSeconds: number | undefined;
  constructor(kind: RailwayErrorKind, message: string, retryAfterSeconds?: number) {
    super(message);
    this.kind = kind;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export interface DeploymentSummary {
  id: string;
  status: string;
  createdAt?: string;
  updatedAt?: string;
  staticUrl?: string | null;
  /** The commit Railway built, when its meta says (commitHash). */
  commit?: string;
}

export interface LogLine {
  message: string;
  severity?: string | null;
  timestamp?: string;
}

export interface CustomDomainStatus {
  domain: string;
  certificateStatus: string;
  certificateErrorMessage?: string | null;
  expiresAt?: string | null;
}

export interface ServiceDomains {
  serviceDomains: string[];
  customDomains: CustomDomainStatus[];
}

interface RawDeployment {
  id: string;
  status: string;
  createdAt?: string;
  updatedAt?: string;
  staticUrl?: string | null;
  meta?: unknown;
}

function summarize(raw: RawDeployment): DeploymentSummary {
  const meta = (raw.meta ?? {}) as { commitHash?: unknown };
  return {
    id: raw.id,
    status: raw.status,
    createdAt: raw.createdAt,
    updatedAt: raw.updatedAt,
    staticUrl: raw.staticUrl,
    ...(typeof meta.commitHash === 'string' ? { commit: meta.commitHash } : {}),
  };
}

export class RailwayClient {
  private readonly client: GraphQLClient;
  readonly settings: RailwaySettings;
  readonly token: RailwayToken;

  constructor(settings: RailwaySettings, token: RailwayToken, options: { timeoutMs?: number } = {}) {
    this.settings = settings;
    this.token = token;
    const timeoutMs = options.timeoutMs ?? 30_000;
    this.client = new GraphQLClient(settings.apiUrl, {
      headers: token.headers,
      fetch: (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) }),
    });
  }

  private get ids(): RailwayIds {
    const { projectId, environmentId, serviceId } = this.settings;
    return { projectId, environmentId, serviceId };
  }

  private async call<T>(operation: string, document: string, variables: Record<string, unknown>): Promise<T> {
    try {
      return await this.client.request<T>(document, variables);
    } catch (error) {
      throw this.explain(operation, error);
    }
  }

  /** Turns any failure into a RailwayApiError without the request (its variables may hold secrets). */
  private explain(operation: string, error: unknown): RailwayApiError {
    const where = `Railway API (${new URL(this.settings.apiUrl).host}), ${operation}`;
    if (error instanceof ClientError) {
      const status = error.response.status;
      const messages = (error.response.errors ?? []).map((item) => item.message).filter(Boolean);
      const said = messages.length > 0 ? `: ${messages.join('; ')}` : '';
      if (status === 429) {
        const header = error.response.headers?.get?.('retry-after');
        const retryAfter = header !== null && header !== undefined && /^\d+$/.test(header) ? Number(header) : undefined;
        return new RailwayApiError(
          'rate-limited',
          `${where}: rate limited (HTTP 429)${retryAfter !== undefined ? `; retry after ${retryAfter} s` : ''}. ` +
            'Railway allows 100/1,000/10,000 requests an hour on Free/Hobby/Pro: poll less often or wait',
          retryAfter,
        );
      }
      if (
        status === 401 ||
        messages.some((message) => /not authori[sz]ed|unauthori[sz]ed|invalid token/i.test(message))
      ) {
        return new RailwayApiError(
          'unauthorized',
          `${where}: the token was refused (${status === 401 ? 'HTTP 401' : 'Not Authorized'}). Check ${this.token.variable}: ` +
            (this.token.kind === 'project'
              ? 'a project token (Project settings -> Tokens) for this project and environment, sent as Project-Access-Token'
              : 'an account or workspace token (Account settings -> Tokens), sent as Authorization: Bearer'),
        );
      }
      if (status === 403) {
        return new RailwayApiError(
          'forbidden',
          `${where}: HTTP 403, the token may not act on this project, environment or service${said}`,
        );
      }
      if (status >= 200 && status < 300) return new RailwayApiError('graphql', `${where}${said || ': an error'}`);
      return new RailwayApiError('http', `${where}: HTTP ${status}${said}`);
    }
    const cause =
      error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
    if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
      return new RailwayApiError('network', `${where}: no answer in time (${cause})`);
    }
    return new RailwayApiError(
      'network',
      `${where}: could not reach ${this.settings.apiUrl} (${cause.split('\n')[0]}); check the network and RAILWAY_API_URL`,
    );
  }

  /** Sets the variables on the service. Values go to Railway only; nothing here prints or returns them. */
  async upsertVariables(variables: Record<string, string>, options: { skipDeploys?: boolean } = {}): Promise<void> {
    await this.call('variableCollectionUpsert', operations.upsertVariables, {
      input: { ...this.ids, variables, replace: false, skipDeploys: options.skipDeploys ?? true },
    });
  }

  /** Starts a deployment of the service (of the commit, when given); returns its id. */
  async deploy(commitSha?: string): Promise<string> {
    const data = await this.call<{ serviceInstanceDeployV2: string }>(
      'serviceInstanceDeployV2',
      operations.deployService,
      { environmentId: this.settings.environmentId, serviceId: this.settings.serviceId, commitSha: commitSha ?? null },
    );
    return data.serviceInstanceDeployV2;
  }

  async deployment(id: string): Promise<DeploymentSummary> {
    const data = await this.call<{ deployment: RawDeployment }>('deployment', operations.deploymentStatus, { id });
    return summarize(data.deployment);
  }

  /** The service's newest deployment in this environment, or undefined when it has none. */
  async latestDeployment(): Promise<DeploymentSummary | undefined> {
    const data = await this.call<{ deployments: { edges: { node: RawDeployment }[] } }>(
      'deployments',
      operations.latestDeployments,
      { input: this.ids, first: 1 },
    );
    const node = data.deployments.edges[0]?.node;
    return node ? summarize(node) : undefined;
  }

  async buildLogs(deploymentId: string, limit = 200): Promise<LogLine[]> {
    const data = await this.call<{ buildLogs: LogLine[] }>('buildLogs', operations.buildLogs, { deploymentId, limit });
    return data.buildLogs;
  }

  async deploymentLogs(deploymentId: string, limit = 200): Promise<LogLine[]> {
    const data = await this.call<{ deploymentLogs: LogLine[] }>('deploymentLogs', operations.deploymentLogs, {
      deploymentId,
      limit,
    });
    return data.deploymentLogs;
  }

  async domains(): Promise<ServiceDomains> {
    const data = await this.call<{
      domains: {
        serviceDomains: { domain: string }[];
        customDomains: {
          domain: string;
          status: {
            certificateStatus: string;
            certificateErrorMessage?: string | null;
            certificates?: { expiresAt?: string | null }[] | null;
          };
        }[];
      };
    }>('domains', operations.serviceDomains, { ...this.ids });
    return {
      serviceDomains: data.domains.serviceDomains.map((item) => item.domain),
      customDomains: data.domains.customDomains.map((item) => ({
        domain: item.domain,
        certificateStatus: item.status.certificateStatus,
        certificateErrorMessage: item.status.certificateErrorMessage,
        expiresAt: item.status.certificates?.[0]?.expiresAt ?? null,
      })),
    };
  }

  /** The names of the variables set on the service (the query has no value field: none come back). */
  async serviceVariableNames(): Promise<string[]> {
    const data = await this.call<{
      environment: { variables: { edges: { node: { name: string; serviceId?: string | null } }[] } };
    }>('environment.variables', operations.environmentVariableNames, {
      environmentId: this.settings.environmentId,
      projectId: this.settings.projectId,
    });
    return data.environment.variables.edges
      .map((edge) => edge.node)
      .filter((node) => node.serviceId === this.settings.serviceId)
      .map((node) => node.name)
      .sort();
  }
}
