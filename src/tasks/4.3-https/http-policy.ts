/**
 * What the deployed service says over plain HTTP and HTTPS: a plain-HTTP
 * request is redirected to HTTPS (Railway's edge does it for its domains),
 * and HTTPS answers carry Strict-Transport-Security so browsers stop trying
 * plain HTTP at all.
 */

/** Browsers' guidance for HSTS: at least 180 days (preload lists ask for a year). */
export const minHstsMaxAgeSeconds = 180 * 86_400;

export type Judgement = { ok: true; message: string } | { ok: false; message: string; evidence?: string };

/** The plain-HTTP URL to try: the configured one, or http:// on the HTTPS host when it uses the default port. */
export function plainHttpUrl(baseUrl: string, configured: string | undefined): string | undefined {
  if (configured) return configured;
  const url = new URL(baseUrl);
  if (url.protocol !== 'https:' || url.port !== '') return undefined;
  return `http://${url.host}${url.pathname}`;
}

export function judgeRedirect(
  requested: string,
  status: number,
  location: string | null,
  httpsHost: string,
): Judgement {
  const redirect = [301, 302, 303, 307, 308].includes(status);
  if (!redirect) {
    return {
      ok: false,
      message: `${requested} answered ${status} instead of redirecting to HTTPS`,
      evidence: location ? `location: ${location}` : undefined,
    };
  }
  if (!location) return { ok: false, message: `${requested} answered ${status} without a Location header` };
  const target = new URL(location, requested);
  if (target.protocol !== 'https:') {
    return { ok: false, message: `${requested} redirects to ${target.href}, not to HTTPS` };
  }
  if (target.hostname !== new URL(`https://${httpsHost}`).hostname) {
    return { ok: false, message: `${requested} redirects to another host: ${target.href}` };
  }
  return { ok: true, message: `${requested} -> ${status} ${target.href}` };
}

export function judgeHsts(url: string, header: string | null): Judgement {
  if (!header) {
    return {
      ok: false,
      message: `${url} answers without Strict-Transport-Security`,
    };
  }
  const maxAge = /max-age\s*=\s*"?(\d+)"?/i.exec(header)?.[1];
  if (maxAge === undefined) return { ok: false, message: `Strict-Transport-Security has no max-age: "${header}"` };
  if (Number(maxAge) < minHstsMaxAgeSeconds) {
    return {
      ok: false,
      message: `Strict-Transport-Security max-age=${maxAge} is under ${minHstsMaxAgeSeconds} s (180 days): "${header}"`,
    };
  }
  return { ok: true, message: `Strict-Transport-Security: ${header}` };
}
