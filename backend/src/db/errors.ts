/**
 * A short, fixed description of a PostgreSQL failure for readiness bodies and
 * start-up errors. pg's own messages can carry the host name, user or
 * database, so they are never passed on.
 */
export type PostgresFailure =
  | 'timeout'
  | 'unreachable'
  | 'authentication failed'
  | 'database not found'
  | 'tls error'
  | 'starting up'
  | 'too many connections'
  | 'query failed';

const byErrno: Record<string, PostgresFailure> = {
  ECONNREFUSED: 'unreachable',
  ECONNRESET: 'unreachable',
  ENOTFOUND: 'unreachable',
  EAI_AGAIN: 'unreachable',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  EPIPE: 'unreachable',
  ETIMEDOUT: 'timeout',
};

const bySqlState: Record<string, PostgresFailure> = {
  '28P01': 'authentication failed',
  '28000': 'authentication failed',
  '3D000': 'database not found',
  '57P03': 'starting up',
  '53300': 'too many connections',
  '57P01': 'unreachable',
  '57P02': 'unreachable',
  '57014': 'timeout',
};

export function classifyPostgresError(error: unknown): PostgresFailure {
  if (!(error instanceof Error)) return 'query failed';
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    const known = byErrno[code] ?? bySqlState[code];
    if (known) return known;
    if (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || code.includes('CERT')) return 'tls error';
  }
  const message = error.message.toLowerCase();
  if (message.includes('timeout')) return 'timeout';
  if (message.includes('ssl') || message.includes('certificate')) return 'tls error';
  if (message.includes('connection terminated') || message.includes('not queryable')) return 'unreachable';
  return 'query failed';
}
