/**
 * Seed task 6.2, "Monitoring and logging": logs a pipeline can parse, filter
 * by level and search by request id, with no secret in them (over the whole
 * run); Prometheus metrics that count what happened, by route template;
 * unexpected errors reported to Sentry with their request id and nothing
 * secret. Where to read each on Railway is said in the passing messages.
 */
import { defineCheck, defineTask, type LimitInputs } from '../../checks/definition.ts';
import {
  probeErrorsReported,
  probeEventsScrubbed,
  probeLogLevels,
  probeMetricsCounts,
  probeMetricsLabels,
  probeNoSecretsInLogs,
  probeStructuredLogs,
} from './probes.ts';

/** A capture container, a second target container to become healthy then ready (each with room), and the event. */
const captureMs = ({ thresholds }: LimitInputs) => 2 * (thresholds.healthyWithinMs + 30_000) + 90_000;

export const monitoringTask = defineTask({
  id: '6.2',
  name: 'monitoring',
  title: 'Monitoring and logging',
  checks: [
    defineCheck({
      id: '6.2/logs-structured-run-wide',
      title:
        "Every line of the run's log is JSON with a level, a time and a message; response lines carry a request id",
      hint: 'Send every line through the JSON logger (no console.log/print, also on error paths), with the request id bound to every line of a request.',
      requires: ['reachable-target', 'target-container'],
      run: probeStructuredLogs,
    }),
    defineCheck({
      id: '6.2/log-levels-match-status',
      title: 'Log levels follow the outcome: a 4xx is not an error line, a 5xx has one',
      hint: "Log client mistakes (4xx) at info or warn and every 5xx at error with its request id, so alerting on error lines pages for the service's own failures only.",
      requires: ['reachable-target', 'target-container'],
      run: probeLogLevels,
    }),
    defineCheck({
      id: '6.2/no-secrets-in-logs',
      title: "No secret value (the run's canaries) appears in any line of the run's log",
      hint: 'Never log the environment, the config object, connection strings or request headers; redact authorization/api-key fields in the logger.',
      requires: ['reachable-target', 'target-container'],
      run: probeNoSecretsInLogs,
    }),
    defineCheck({
      id: '6.2/metrics-count-traffic',
      title:
        '/metrics counts requests and latency by route and status exactly, follows WebSockets and times dependencies',
      hint: 'Count every response in one hook (counter and histogram labelled route template and status), a gauge for open WebSockets, and time each PostgreSQL/Qdrant/Cohere call.',
      requires: ['reachable-target', 'metrics-route'],
      run: probeMetricsCounts,
    }),
    defineCheck({
      id: '6.2/metrics-bounded-labels',
      title: 'Metric labels stay bounded: ids in paths never become label values',
      hint: "Label requests with the route template (Fastify's request.routeOptions.url, FastAPI's route.path), never the raw URL.",
      requires: ['reachable-target', 'metrics-route'],
      run: probeMetricsLabels,
    }),
    defineCheck({
      id: '6.2/errors-reported-to-sentry',
      title: 'With a Sentry DSN set, an internal error reaches it as an event tagged with the request id',
      hint: 'Initialise the Sentry SDK when SENTRY_DSN is set and capture the exception in the 500 handler, with the request id as a tag.',
      requires: ['started-environment', 'database', 'error-tracking'],
      timeLimitMs: captureMs,
      run: probeErrorsReported,
    }),
    defineCheck({
      id: '6.2/sentry-events-scrubbed',
      title: 'Nothing sent to Sentry shows a secret value',
      hint: 'Turn off default PII collection, drop request headers and bodies, and scrub secret values in beforeSend; never attach the environment or config.',
      requires: ['started-environment', 'database', 'error-tracking'],
      timeLimitMs: captureMs,
      run: probeEventsScrubbed,
    }),
  ],
});
