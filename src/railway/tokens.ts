/**
 * Which Railway token a call carries, chosen as Railway's CLI chooses:
 * RAILWAY_TOKEN is a project token, sent as `Project-Access-Token`;
 * RAILWAY_API_TOKEN is an account or workspace token, sent as
 * `Authorization: Bearer`. Both set is an error (the CLI refuses it too), and
 * the message says which to unset. The token itself is never printed.
 */
export type TokenKind = 'project' | 'account';

export interface RailwayToken {
  kind: TokenKind;
  /** The variable it came from. */
  variable: 'RAILWAY_TOKEN' | 'RAILWAY_API_TOKEN';
  headers: Record<string, string>;
  /** The value, for masking only. */
  value: string;
}

export class RailwayTokenError extends Error {
  override name = 'RailwayTokenError';
}

export function selectToken(env: NodeJS.ProcessEnv = process.env): RailwayToken | undefined {
  const project = env.RAILWAY_TOKEN?.trim();
  const account = env.RAILWAY_API_TOKEN?.trim();
  if (project && account) {
    throw new RailwayTokenError(
      'both RAILWAY_TOKEN (project token) and RAILWAY_API_TOKEN (account token) are set; Railway accepts one: ' +
        'unset RAILWAY_API_TOKEN to deploy with the project token, or unset RAILWAY_TOKEN to use the account token',
    );
  }
  if (project) {
    return { kind: 'project', variable: 'RAILWAY_TOKEN', headers: { 'Project-Access-Token': project }, value: project };
  }
  if (account) {
    return {
      kind: 'account',
      variable: 'RAILWAY_API_TOKEN',
      headers: { Authorization: `Bearer ${account}` },
      value: account,
    };
  }
  return undefined;
}

/** selectToken, or an error saying what to set. */
export function requireToken(env: NodeJS.ProcessEnv = process.env): RailwayToken {
  const token = selectToken(env);
  if (!token) {
    throw new RailwayTokenError(
      'no Railway token: set RAILWAY_TOKEN (a project token, Project settings -> Tokens) or RAILWAY_API_TOKEN (an account or workspace token)',
    );
  }
  return token;
}
