/**
 * Error tracking with Sentry's official Node SDK, only when SENTRY_DSN is set
 * (nothing is sent, and nothing is initialised, when it is not). Only
 * unexpected errors are reported (the 500 path of the error handler, and
 * uncaught exceptions), each tagged with its request id so an event joins the
 * log lines of its request. No personal data is sent (dataCollection off: SDK 11's sendDefaultPii: false),
 * the request's headers, cookies and body are dropped, and every secret value
 * of the environment is scrubbed from the event before it leaves.
 */
// Types only: the SDK itself (with OpenTelemetry, seconds to load on a busy machine) is imported only when a DSN is set.
import type * as SentryModule from '@sentry/node';

export interface ErrorTrackingSettings {
  dsn: string | undefined;
  release: string;
  /** Railway names the environment; `production` otherwise. */
  environment: string;
  /** Values that must never leave in an event: keys, tokens, the database URL and its password. */
  secrets: readonly string[];
}

let Sentry: typeof SentryModule | undefined;
let secretValues: readonly string[] = [];

/** Replaces every secret value in every string of the event (longest first: a URL before its password). */
export function scrubEvent<T>(event: T, secrets: readonly string[]): T {
  const needles = [...secrets].filter((value) => value.length >= 4).sort((a, b) => b.length - a.length);
  if (needles.length === 0) return event;
  const scrub = (value: unknown): unknown => {
    if (typeof value === 'string')
      return needles.reduce((text, needle) => text.replaceAll(needle, '[redacted]'), value);
    if (Array.isArray(value)) return value.map(scrub);
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, scrub(inner)]));
    }
    return value;
  };
  return scrub(event) as T;
}

/** The secret values of an environment: each named variable's value, and the password inside a URL. */
export function secretValuesOf(env: NodeJS.ProcessEnv, names: readonly string[]): string[] {
  const values: string[] = [];
  for (const name of names) {
    const value = env[name];
    if (!value) continue;
    values.push(value);
    try {
      const password = new URL(value).password;
      if (password) values.push(password, decodeURIComponent(password));
    } catch {
      // not a URL
    }
  }
  return values;
}

/** Starts the SDK when a DSN is given; returns whether it did. */
export async function initErrorTracking(settings: ErrorTrackingSettings): Promise<boolean> {
  if (!settings.dsn) return false;
  secretValues = settings.secrets;
  const sdk = await import('@sentry/node');
  sdk.init({
    dsn: settings.dsn,
    release: settings.release,
    environment: settings.environment,
    // Sentry 11's replacement of sendDefaultPii: false. No user, cookies, headers, bodies or query strings.
    dataCollection: { userInfo: false, cookies: false, httpHeaders: false, httpBodies: [], urlQueryParams: false },
    // Errors only: no tracing, no HTTP instrumentation (which would need --import), no console breadcrumbs.
    defaultIntegrations: false,
    integrations: [
      sdk.onUncaughtExceptionIntegration(),
      sdk.onUnhandledRejectionIntegration(),
      sdk.linkedErrorsIntegration(),
      sdk.dedupeIntegration(),
    ],
    beforeSend(event) {
      delete event.request;
      delete event.user;
      delete event.server_name;
      return scrubEvent(event, secretValues);
    },
  });
  Sentry = sdk;
  return true;
}

/** Reports an unexpected error of a request, tagged with its request id; a no-op without a DSN. */
export function reportError(error: unknown, requestId: string): void {
  const sdk = Sentry;
  if (!sdk) return;
  sdk.withScope((scope) => {
    scope.setTag('request_id', requestId);
    sdk.captureException(error);
  });
}

/** Sends what is queued before the process exits (bounded). */
export async function flushErrorTracking(timeoutMs = 2_000): Promise<void> {
  if (Sentry) await Sentry.flush(timeoutMs).catch(() => undefined);
}
