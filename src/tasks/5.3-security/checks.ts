/**
 * Seed task 5.3, "Security": API keys only in the environment, secure
 * database connections, errors that expose nothing, CORS. Where OWASP ZAP's
 * baseline judges the headers it happens to see and trivy the layers it is
 * given, these checks probe actively: canaries traced through everything the
 * run saw, a CORS matrix built from the configured origins, a corpus of bad
 * inputs, and a PostgreSQL server that offers no TLS. In production only safe
 * probes run: no burst, no containers, a small paced sample of the corpus.
 */
import { defineCheck, defineTask } from '../../checks/definition.ts';
import { probeIngestionAuth, probeRateLimit } from './access.ts';
import { probeCanaries } from './canaries.ts';
import { probeErrorLeakCorpus } from './corpus-probe.ts';
import { probeCorsAllowedOrigin, probeCorsForeignOrigins, probeSecurityHeaders, probeWebSocketOrigin } from './cors.ts';
import { probeDatabaseRefusesPlaintext } from './database.ts';
import { probeKeysInImage, probeKeysInRepository } from './keys-probe.ts';

export const securityTask = defineTask({
  id: '5.3',
  name: 'security',
  title: 'Security',
  checks: [
    defineCheck({
      id: '5.3/cors-allowed-origin',
      title: 'An allowed origin is echoed exactly with Vary: Origin; the preflight allows only what the API needs',
      hint: 'List the frontend origins in CORS_ORIGINS; echo the matching one (never * with credentials), add Vary: Origin, and allow only the methods and headers the API reads.',
      requires: ['reachable-target'],
      run: probeCorsAllowedOrigin,
    }),
    defineCheck({
      id: '5.3/cors-rejects-foreign-origins',
      title: 'Unknown, look-alike, null, other-scheme and other-port origins get no Access-Control-Allow-Origin',
      hint: 'Compare the Origin header to the allowlist exactly (scheme, host and port); never by prefix, suffix, substring or an unanchored regex, and never allow "null".',
      requires: ['reachable-target'],
      run: probeCorsForeignOrigins,
    }),
    defineCheck({
      id: '5.3/websocket-refuses-foreign-origin',
      title: 'The WebSocket refuses an upgrade from a foreign Origin',
      hint: 'Check the Origin of the upgrade request against the CORS allowlist and answer 403 before accepting; browsers send cookies with WebSocket upgrades.',
      requires: ['reachable-target', 'websocket-route'],
      run: probeWebSocketOrigin,
    }),
    defineCheck({
      id: '5.3/security-headers',
      title:
        'Answers carry nosniff and frame-ancestors (or X-Frame-Options), no X-Powered-By or versioned Server; HSTS on HTTPS',
      hint: 'Add the headers in one place (helmet, secure middleware); drop X-Powered-By and the Server version.',
      requires: ['reachable-target'],
      run: probeSecurityHeaders,
    }),
    defineCheck({
      id: '5.3/ingestion-requires-auth',
      title: 'Ingestion without the admin token, or with a wrong one, is refused 401/403 and stores nothing',
      hint: 'Check the bearer token before reading the body, in constant time; refuse with 401 (missing or wrong) or 403 (disabled).',
      requires: ['reachable-target'],
      run: probeIngestionAuth,
    }),
    defineCheck({
      id: '5.3/query-rate-limited',
      title: 'A burst of questions gets 429 with Retry-After over HTTP, and a rate-limit error over the WebSocket',
      hint: 'Limit questions per client address on the query route and on WebSocket messages alike; answer 429 with Retry-After (a WebSocket error frame with a retry hint).',
      requires: ['reachable-target'],
      timeLimitMs: ({ thresholds }) => thresholds.healthyWithinMs + 90_000,
      run: probeRateLimit,
    }),
    defineCheck({
      id: '5.3/error-leak-corpus',
      title:
        'Every bad input (200+, HTTP and WebSocket) gets a clear 4xx, leaks nothing, and leaves the service ready and the rows intact',
      hint: 'Validate every input against a schema, answer 4xx {"error":{...}} for anything malformed, catch everything else in one handler that logs the detail and answers a generic 500.',
      requires: ['reachable-target'],
      timeLimitMs: 300_000,
      run: probeErrorLeakCorpus,
    }),
    defineCheck({
      id: '5.3/database-refuses-plaintext',
      title:
        'With sslmode=require the app refuses a PostgreSQL server that offers no TLS (production: DATABASE_URL asks for TLS)',
      hint: 'Honour sslmode from DATABASE_URL: require, verify-ca and verify-full must fail when the server declines TLS, never fall back to plaintext.',
      requires: ['reachable-target', 'database'],
      timeLimitMs: ({ thresholds }) => thresholds.healthyWithinMs + 75_000,
      run: probeDatabaseRefusesPlaintext,
    }),
    defineCheck({
      id: '5.3/no-keys-in-image',
      title: 'No key in the image: ENV, labels, history (key formats and canaries), layers (canaries, secret files)',
      hint: 'Pass keys as Railway variables at run time; never as ENV, ARG or a copied file.',
      requires: ['built-image'],
      run: probeKeysInImage,
    }),
    defineCheck({
      id: '5.3/no-keys-in-repository',
      title: 'No key in the repository or its IaC (Cohere, Qdrant, Railway, PostgreSQL URLs with passwords)',
      hint: 'Remove the key from the tree and rotate it (it is in the history); a made-up test value goes in .secret-scan-allowlist.yaml with why.',
      requires: [],
      run: probeKeysInRepository,
    }),
    defineCheck({
      id: '5.3/no-canary-leak',
      title: 'No canary secret in any response, WebSocket frame, container log, image layer or report file',
      hint: 'Never log the environment or a config object with keys; redact Authorization and api-key headers; never return an upstream error verbatim.',
      requires: ['running-target', 'target-container'],
      timeLimitMs: 180_000,
      run: probeCanaries,
    }),
  ],
});
