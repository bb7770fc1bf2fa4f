/**
 * One poll of a deployed (or local) service: an HTTP request bounded from the
 * first byte sent to the last byte read, whatever the server does (a target
 * that accepts and never answers, or answers headers and stalls the body,
 * times out at the bound). Failures are classified so the monitor can say
 * what is wrong in words: DNS, TLS, refused, reset, timeout, or an HTTP status.
 */
import http from 'node:http';
import https from 'node:https';

export type FailureKind = 'dns' | 'tls' | 'refused' | 'reset' | 'timeout' | 'http' | 'answer' | 'network';

export interface ProbeRequest {
  url: string;
  method?: 'GET' | 'POST';
  body?: string;
  headers?: Record<string, string>;
  timeoutMs: number;
  /** Extra CA certificates (PEM) to trust, for a private CA. */
  ca?: string[];
}

export interface ProbeResponse {
  ok: true;
  status: number;
  body: string;
  latencyMs: number;
}

export interface ProbeFailure {
  ok: false;
  kind: FailureKind;
  /** What went wrong, in words, with the system's code: `DNS: ENOTFOUND shipshape.invalid`. */
  detail: string;
  latencyMs: number;
}

export type ProbeOutcome = ProbeResponse | ProbeFailure;

const tlsCodes =
  /^(CERT_|ERR_TLS_|ERR_SSL_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_(GET|VERIFY)_|ERR_OSSL_|HOSTNAME_MISMATCH)/;

/** What a socket error means, from its code. */
export function classifyError(error: NodeJS.ErrnoException): ProbeFailure['kind'] {
  const code = error.code ?? '';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME' || code === 'EAI_FAIL') return 'dns';
  if (tlsCodes.test(code) || /certificate|tls|ssl/i.test(error.message)) return 'tls';
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNABORTED') return 'reset';
  if (code === 'ETIMEDOUT') return 'timeout';
  return 'network';
}

const kindWords: Record<FailureKind, string> = {
  dns: 'DNS',
  tls: 'TLS',
  refused: 'connection refused',
  reset: 'connection reset',
  timeout: 'timed out',
  http: 'HTTP',
  answer: 'bad answer',
  network: 'network',
};

export function describeFailure(failure: Pick<ProbeFailure, 'kind' | 'detail'>): string {
  return `${kindWords[failure.kind]}: ${failure.detail}`;
}

/** Sends one request; never throws, never takes longer than `timeoutMs` (plus a tick). */
export function probe(request: ProbeRequest): Promise<ProbeOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return Promise.resolve({ ok: false, kind: 'network', detail: `not a URL: ${request.url}`, latencyMs: 0 });
  }
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const settle = (outcome: ProbeOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolve(outcome);
    };
    const req = client.request(
      url,
      {
        method: request.method ?? 'GET',
        headers: {
          'user-agent': 'shipshape-monitor',
          ...(request.body ? { 'content-type': 'application/json' } : {}),
          ...request.headers,
        },
        ...(request.ca ? { ca: request.ca } : {}),
        // A fresh connection per poll: a kept-alive socket would hide a DNS or TLS change.
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          settle({
            ok: true,
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            latencyMs: elapsed(),
          }),
        );
        res.on('error', (error: NodeJS.ErrnoException) =>
          settle({
            ok: false,
            kind: classifyError(error),
            detail: error.code ?? error.message,
            latencyMs: elapsed(),
          }),
        );
      },
    );
    const deadline = setTimeout(() => {
      settle({
        ok: false,
        kind: 'timeout',
        detail: `no complete answer within ${request.timeoutMs} ms from ${url.host}`,
        latencyMs: elapsed(),
      });
      req.destroy();
    }, request.timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) => {
      const kind = classifyError(error);
      const code = error.code ? `${error.code} ` : '';
      const detail =
        kind === 'dns'
          ? `${code}${url.hostname} does not resolve`
          : kind === 'tls'
            ? `${code}${error.message}`.trim()
            : kind === 'refused'
              ? `${code}nothing listens at ${url.host}`
              : `${code}${error.message}`.trim();
      settle({ ok: false, kind, detail, latencyMs: elapsed() });
    });
    if (request.body) req.write(request.body);
    req.end();
  });
}
