/**
 * The CORS matrix and the WebSocket's Origin rule, and the response headers
 * a browser relies on. Origins come from the target's configuration; the
 * foreign ones are built from the allowed one (a look-alike suffix, another
 * scheme, another port), so a matcher that compares prefixes or substrings
 * shows up.
 */
import type http from 'node:http';
import { failed, passed, skipped, type Verdict } from '../../checks/check.ts';
import type { CheckContext } from '../../checks/context.ts';
import { exchangeOverWebSocket, header, sendRaw, wsUrl } from './exchange.ts';
import { configuredOrigins } from './shared.ts';

export const evilOrigin = 'https://evil.example';

/** Methods the API needs from a browser; anything else in a preflight's allow list is more than it needs. */
const neededMethods = new Set(['GET', 'HEAD', 'POST', 'DELETE', 'OPTIONS']);
/** Request headers the API reads from a browser. */
const neededHeaders = new Set([
  'content-type',
  'authorization',
  'x-request-id',
  'accept',
  'accept-language',
  'content-language',
]);

/** The origins that must not be allowed, built from an allowed one. */
export function foreignOrigins(allowed: string | undefined): { origin: string; what: string }[] {
  const origins = [
    { origin: evilOrigin, what: 'an unknown origin' },
    { origin: 'null', what: 'the null origin (sandboxed frames, file:)' },
  ];
  if (!allowed) return origins;
  let url: URL;
  try {
    url = new URL(allowed);
  } catch {
    return origins;
  }
  const lookAlike = `${url.protocol}//${url.hostname}.evil.example${url.port ? `:${url.port}` : ''}`;
  const otherScheme = `${url.protocol === 'https:' ? 'http:' : 'https:'}//${url.host}`;
  const otherPort = `${url.protocol}//${url.hostname}:${url.port === '8443' ? '9443' : '8443'}`;
  const prefix = `${url.protocol}//evil${url.hostname}`;
  return [
    ...origins,
    { origin: lookAlike, what: 'a look-alike (the allowed host as a subdomain of another)' },
    { origin: prefix, what: 'a look-alike (another host ending in the allowed one)' },
    { origin: otherScheme, what: 'the allowed host over another scheme' },
    { origin: otherPort, what: 'the allowed host on another port' },
  ];
}

function listOf(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

export interface CorsAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
}

/** What is wrong with the answer to an allowed origin (a simple request or a preflight). */
export function judgeAllowedAnswer(origin: string, answer: CorsAnswer, preflight: boolean): string[] {
  const problems: string[] = [];
  const allowOrigin = header(answer.headers, 'access-control-allow-origin');
  const credentials = header(answer.headers, 'access-control-allow-credentials');
  const what = preflight ? 'the preflight' : 'a GET';
  if (allowOrigin === '*' && credentials === 'true')
    problems.push(`${what} answered Access-Control-Allow-Origin: * with credentials`);
  if (allowOrigin !== origin)
    problems.push(`${what} answered Access-Control-Allow-Origin: ${allowOrigin ?? '(none)'} instead of ${origin}`);
  const vary = listOf(header(answer.headers, 'vary')).map((item) => item.toLowerCase());
  if (allowOrigin && allowOrigin !== '*' && !vary.includes('origin') && !vary.includes('*')) {
    problems.push(`${what} echoes the origin without Vary: Origin (a cache would serve it to other origins)`);
  }
  if (preflight) {
    if (answer.status < 200 || answer.status >= 300) problems.push(`the preflight answered ${answer.status}`);
    const methods = listOf(header(answer.headers, 'access-control-allow-methods')).map((item) => item.toUpperCase());
    const extra = methods.filter((method) => !neededMethods.has(method));
    if (extra.length > 0) problems.push(`the preflight allows methods the API does not need: ${extra.join(', ')}`);
    const headers = listOf(header(answer.headers, 'access-control-allow-headers')).map((item) => item.toLowerCase());
    const extraHeaders = headers.filter((name) => !neededHeaders.has(name));
    if (extraHeaders.length > 0)
      problems.push(`the preflight allows request headers the API does not read: ${extraHeaders.join(', ')}`);
  }
  return problems;
}

/** What is wrong with the answer to a foreign origin: any Access-Control-Allow-Origin at all. */
export function judgeForeignAnswer(origin: string, answer: CorsAnswer): string | undefined {
  const allowOrigin = header(answer.headers, 'access-control-allow-origin');
  if (!allowOrigin) return undefined;
  const credentials = header(answer.headers, 'access-control-allow-credentials') === 'true' ? ' with credentials' : '';
  return `answered Access-Control-Allow-Origin: ${allowOrigin}${credentials}`;
}

function preflightFor(ctx: CheckContext, origin: string, method = 'POST', headers = 'content-type,x-shipshape-probe') {
  return sendRaw(ctx.baseUrl, {
    method: 'OPTIONS',
    path: ctx.target.paths.query,
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': headers },
    timeoutMs: ctx.thresholds.requestTimeoutMs,
  });
}

function getWithOrigin(ctx: CheckContext, origin: string) {
  return sendRaw(ctx.baseUrl, {
    method: 'GET',
    path: ctx.target.paths.health,
    headers: { origin },
    timeoutMs: ctx.thresholds.requestTimeoutMs,
  });
}

/** 5.3/cors-allowed-origin */
export async function probeCorsAllowedOrigin(ctx: CheckContext): Promise<Verdict> {
  const origins = configuredOrigins(ctx);
  const allowed = origins.find((origin) => origin !== '*');
  if (!allowed) {
    return origins.includes('*')
      ? failed('the target allows every origin (CORS_ORIGINS=*): list the frontend origins instead')
      : skipped(
          "the target's configuration names no allowed origin (CORS_ORIGINS locally, environments.<name>.frontendOrigin for a deployed service)",
        );
  }
  const problems: string[] = [];
  const seen: string[] = [];
  const simple = await getWithOrigin(ctx, allowed);
  if (!simple.ok) return failed(`GET ${ctx.target.paths.health} with Origin ${allowed}: ${simple.error}`);
  problems.push(...judgeAllowedAnswer(allowed, simple.response, false));
  const preflight = await preflightFor(ctx, allowed);
  if (!preflight.ok) return failed(`the preflight of ${ctx.target.paths.query} from ${allowed}: ${preflight.error}`);
  problems.push(...judgeAllowedAnswer(allowed, preflight.response, true));
  for (const [label, answer] of [
    ['GET', simple.response],
    ['preflight', preflight.response],
  ] as const) {
    seen.push(
      `${label}: ${answer.status}, ` +
        [
          'access-control-allow-origin',
          'access-control-allow-credentials',
          'vary',
          'access-control-allow-methods',
          'access-control-allow-headers',
        ]
          .map((name) => `${name}: ${header(answer.headers, name) ?? '(none)'}`)
          .join(', '),
    );
  }
  if (problems.length > 0) return failed(`for the allowed origin ${allowed}: ${problems.join('; ')}`, seen.join('\n'));
  return passed(
    `${allowed} (from the target's configuration) is echoed exactly with Vary: Origin; the preflight allows ` +
      `${header(preflight.response.headers, 'access-control-allow-methods') ?? 'no methods'} and headers ` +
      `${header(preflight.response.headers, 'access-control-allow-headers') ?? 'none'}`,
  );
}

/** 5.3/cors-rejects-foreign-origins */
export async function probeCorsForeignOrigins(ctx: CheckContext): Promise<Verdict> {
  const allowed = configuredOrigins(ctx).find((origin) => origin !== '*');
  const foreign = foreignOrigins(allowed);
  const problems: string[] = [];
  for (const { origin, what } of foreign) {
    for (const [label, send] of [
      ['GET', () => getWithOrigin(ctx, origin)],
      ['preflight', () => preflightFor(ctx, origin, 'POST', 'content-type')],
    ] as const) {
      const result = await send();
      if (!result.ok) {
        problems.push(`${label} from ${origin} (${what}): ${result.error}`);
        continue;
      }
      const problem = judgeForeignAnswer(origin, result.response);
      if (problem) problems.push(`${label} from ${origin} (${what}) ${problem}`);
    }
  }
  if (problems.length > 0) {
    return failed(
      `${problems.length} of ${foreign.length * 2} foreign-origin request(s) were allowed`,
      problems.join('\n'),
    );
  }
  return passed(
    `no Access-Control-Allow-Origin for ${foreign.map((item) => item.origin).join(', ')} (GET and preflight)` +
      (allowed ? ` (built from ${allowed})` : ' (no allowed origin configured: the fixed ones only)'),
  );
}

/** 5.3/websocket-refuses-foreign-origin */
export async function probeWebSocketOrigin(ctx: CheckContext): Promise<Verdict> {
  const path = ctx.target.paths.ws!;
  const allowed = configuredOrigins(ctx).find((origin) => origin !== '*');
  const foreign = foreignOrigins(allowed);
  const accepted: string[] = [];
  const refusals: string[] = [];
  for (const { origin, what } of foreign) {
    const outcome = await exchangeOverWebSocket({
      url: wsUrl(ctx.baseUrl, path),
      origin,
      steps: [
        {
          kind: 'text',
          data: JSON.stringify({
            type: ctx.target.ws.messageType,
            [ctx.target.ws.contentField]: 'Is this origin allowed?',
          }),
        },
      ],
      expectFrames: 1,
      ignoreType: ctx.target.ws.keepAliveType,
      timeoutMs: 10_000,
    });
    if (outcome.refused) refusals.push(`${origin}: ${outcome.refused.status}`);
    else if (outcome.opened) {
      const answered = outcome.frames.some((frame) => frame.includes(`"${ctx.target.ws.responseType}"`));
      accepted.push(`${origin} (${what})${answered ? ', and answered a question' : ''}`);
    } else refusals.push(`${origin}: ${outcome.error ?? 'closed'}`);
  }
  let allowedNote = '';
  if (allowed) {
    const outcome = await exchangeOverWebSocket({
      url: wsUrl(ctx.baseUrl, path),
      origin: allowed,
      expectFrames: 0,
      timeoutMs: 10_000,
    });
    if (!outcome.opened) {
      return failed(
        `the WebSocket refuses the allowed origin ${allowed} too (${outcome.refused?.status ?? outcome.error}): the check cannot tell a refusal by Origin from a broken route`,
      );
    }
    allowedNote = `; the allowed origin ${allowed} opens it`;
  }
  if (accepted.length > 0) {
    return failed(
      `the WebSocket accepted ${accepted.length} foreign Origin(s): ${accepted.join('; ')}`,
      "A page on any of these sites can open the socket with the visitor's cookies and ask questions as them; check Origin against the allowlist before the upgrade.",
    );
  }
  return passed(`refused ${refusals.join(', ')}${allowedNote}`);
}

/** 5.3/security-headers */
export async function probeSecurityHeaders(ctx: CheckContext): Promise<Verdict> {
  const routes = [
    { method: 'GET', path: ctx.target.paths.health },
    { method: 'GET', path: '/shipshape-no-such-route' },
    { method: 'POST', path: ctx.target.paths.query, headers: { 'content-type': 'application/json' }, body: '{' },
  ];
  const problems: string[] = [];
  const seen: string[] = [];
  for (const route of routes) {
    const result = await sendRaw(ctx.baseUrl, { ...route, timeoutMs: ctx.thresholds.requestTimeoutMs });
    if (!result.ok) {
      problems.push(`${route.method} ${route.path}: ${result.error}`);
      continue;
    }
    const { headers, status } = result.response;
    const label = `${route.method} ${route.path} (${status})`;
    const found: string[] = [];
    if (header(headers, 'x-content-type-options')?.toLowerCase() !== 'nosniff')
      found.push('no X-Content-Type-Options: nosniff');
    const csp = header(headers, 'content-security-policy') ?? '';
    const frameOptions = header(headers, 'x-frame-options')?.toUpperCase();
    if (!/frame-ancestors/i.test(csp) && frameOptions !== 'DENY' && frameOptions !== 'SAMEORIGIN') {
      found.push('neither CSP frame-ancestors nor X-Frame-Options');
    }
    const poweredBy = header(headers, 'x-powered-by');
    if (poweredBy) found.push(`X-Powered-By: ${poweredBy}`);
    const server = header(headers, 'server');
    if (server && /\d/.test(server)) found.push(`a versioned Server header: ${server}`);
    if (ctx.baseUrl.startsWith('https:') && !/max-age=\d+/.test(header(headers, 'strict-transport-security') ?? '')) {
      found.push('no Strict-Transport-Security over HTTPS');
    }
    if (found.length > 0) problems.push(`${label}: ${found.join(', ')}`);
    seen.push(
      `${label}: ` +
        [
          'x-content-type-options',
          'content-security-policy',
          'x-frame-options',
          'x-powered-by',
          'server',
          'strict-transport-security',
        ]
          .map((name) => `${name}: ${header(headers, name) ?? '(none)'}`)
          .join(', '),
    );
  }
  const hsts = ctx.baseUrl.startsWith('https:')
    ? 'HSTS judged (HTTPS)'
    : "HSTS not judged: the target is reached over plain HTTP here (Railway's edge terminates TLS; judged in production)";
  if (problems.length > 0) return failed(problems.join('; '), seen.join('\n'));
  return passed(
    `nosniff, frame-ancestors or X-Frame-Options, no X-Powered-By, no versioned Server on ${routes.length} answers; ${hsts}`,
  );
}
