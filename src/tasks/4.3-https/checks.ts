/**
 * Seed task 4.3, "HTTPS": the deployed service's certificate chains to a
 * trusted root, names its host and has time left; plain HTTP redirects to
 * HTTPS; HTTPS answers carry HSTS; a custom domain's certificate is valid in
 * Railway's own account of it. These judge a deployed service: locally they
 * skip with "needs --env=production" (the offline production self-test runs
 * them against a local TLS proxy with its own CA).
 */
import { failed, passed, skipped, type Verdict } from '../../checks/check.ts';
import type { CheckContext } from '../../checks/context.ts';
import { defineCheck, defineTask } from '../../checks/definition.ts';
import { RailwayApiError, RailwayClient } from '../../railway/client.ts';
import { railwaySettings, RailwaySettingsError } from '../../railway/settings.ts';
import { RailwayTokenError, selectToken } from '../../railway/tokens.ts';
import {
  inspectCertificate,
  judgeChain,
  judgeDaysLeft,
  judgeHost,
  trustedCas,
  type CertificateSeen,
  type Judgement,
} from './certificate.ts';
import { judgeHsts, judgeRedirect, plainHttpUrl } from './http-policy.ts';

const validCertificate = 'CERTIFICATE_STATUS_TYPE_VALID';

/** Why an HTTPS check cannot judge here, or undefined. */
function notHttps(ctx: CheckContext): string | undefined {
  if (ctx.kind !== 'remote') return 'needs --env=production (a deployed HTTPS URL)';
  if (new URL(ctx.baseUrl).protocol !== 'https:') return `the service's URL is not https: ${ctx.baseUrl}`;
  return undefined;
}

function verdict(judgement: Judgement): Verdict {
  return judgement.ok ? passed(judgement.message) : failed(judgement.message, judgement.evidence);
}

/** The service's routes as the report should list them: where production answers. */
function endpoints(ctx: CheckContext): string {
  const base = new URL(ctx.baseUrl);
  const at = (path: string, protocol = base.protocol) => `${protocol}//${base.host}${path}`;
  const { paths } = ctx.target;
  return [
    `health ${at(paths.health)}`,
    paths.ready && `ready ${at(paths.ready)}`,
    `query ${at(paths.query)}`,
    paths.ws && `websocket ${at(paths.ws, base.protocol === 'https:' ? 'wss:' : 'ws:')}`,
  ]
    .filter(Boolean)
    .join(', ');
}

async function certificateOf(ctx: CheckContext): Promise<CertificateSeen> {
  const ca = await trustedCas(ctx.environment.tls?.caFile);
  const seen = await inspectCertificate(new URL(ctx.baseUrl), {
    ...(ca ? { ca } : {}),
    timeoutMs: ctx.thresholds.requestTimeoutMs,
    signal: ctx.signal,
  });
  ctx.note(`certificate of ${seen.host}:${seen.port}: ${seen.subject}, issuer ${seen.issuer}, until ${seen.validTo}`);
  return seen;
}

/** fetch, bounded by the request timeout and the check's signal; a failure says why (fetch's own says "fetch failed"). */
async function get(ctx: CheckContext, url: string, redirect: 'follow' | 'manual' = 'follow'): Promise<Response> {
  try {
    const response = await fetch(url, {
      redirect,
      signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(ctx.thresholds.requestTimeoutMs)]),
    });
    await response.body?.cancel();
    return response;
  } catch (error) {
    const cause = (error as Error & { cause?: Error }).cause;
    throw new Error(`GET ${url} failed: ${cause?.message ?? (error as Error).message}`, { cause: error });
  }
}

function withCertificateCheck(run: (ctx: CheckContext, seen: CertificateSeen) => Verdict) {
  return async (ctx: CheckContext): Promise<Verdict> => {
    const reason = notHttps(ctx);
    if (reason) return skipped(reason);
    return run(ctx, await certificateOf(ctx));
  };
}

export const httpsTask = defineTask({
  id: '4.3',
  name: 'https',
  title: 'HTTPS',
  checks: [
    defineCheck({
      id: '4.3/certificate-trusted',
      title: "The service's TLS certificate is in its validity period and chains to a trusted root",
      hint: 'Serve the full chain of a certificate from a public CA (Railway issues one for its domains and for a verified custom domain); renew an expired one. A private CA: name it in environments.<env>.tls.caFile.',
      requires: [],
      run: withCertificateCheck((ctx, seen) => {
        const judgement = judgeChain(seen);
        if (!judgement.ok) return verdict(judgement);
        // The production endpoints, as verified, go into the report with this check.
        ctx.note(endpoints(ctx));
        return passed(`${judgement.message}; endpoints: ${endpoints(ctx)}`);
      }),
    }),
    defineCheck({
      id: '4.3/certificate-matches-host',
      title: 'The certificate names the host the service is reached at',
      hint: "Issue the certificate for the domain clients use (its subjectAltName must list it): add the custom domain in Railway's Networking settings and wait for its certificate, or point the URL at the domain the certificate names.",
      requires: [],
      run: withCertificateCheck((_ctx, seen) => verdict(judgeHost(seen))),
    }),
    defineCheck({
      id: '4.3/certificate-days-left',
      title: 'The certificate stays valid longer than the configured minimum (14 days by default)',
      hint: "Renew the certificate before it expires (Railway renews its own; check a custom domain's DNS still points at Railway so renewal can validate); thresholds.certificateMinDaysLeft sets the minimum.",
      requires: [],
      run: withCertificateCheck((ctx, seen) => verdict(judgeDaysLeft(seen, ctx.thresholds.certificateMinDaysLeft))),
    }),
    defineCheck({
      id: '4.3/http-redirects-to-https',
      title: 'A plain-HTTP request is redirected to the same host over HTTPS',
      hint: "Let the edge redirect HTTP to HTTPS (Railway's domains do); an app behind a proxy that redirects itself must read X-Forwarded-Proto, never redirect the healthcheck.",
      requires: [],
      run: async (ctx) => {
        const reason = notHttps(ctx);
        if (reason) return skipped(reason);
        const httpUrl = plainHttpUrl(ctx.baseUrl, ctx.environment.httpUrl);
        if (!httpUrl) {
          return skipped(
            `no plain-HTTP URL known: ${ctx.baseUrl} uses a port of its own; set environments.${ctx.environment.envName}.httpUrl`,
          );
        }
        const requested = new URL(ctx.target.paths.health, httpUrl).href;
        const response = await get(ctx, requested, 'manual');
        return verdict(
          judgeRedirect(requested, response.status, response.headers.get('location'), new URL(ctx.baseUrl).host),
        );
      },
    }),
    defineCheck({
      id: '4.3/hsts',
      title: 'HTTPS answers carry Strict-Transport-Security with a max-age of 180 days or more',
      hint: "Send Strict-Transport-Security: max-age=31536000; includeSubDomains on every response (helmet does by default; Railway's edge does not add it).",
      requires: [],
      run: async (ctx) => {
        const reason = notHttps(ctx);
        if (reason) return skipped(reason);
        const url = new URL(ctx.target.paths.health, ctx.baseUrl).href;
        const response = await get(ctx, url);
        return verdict(judgeHsts(url, response.headers.get('strict-transport-security')));
      },
    }),
    defineCheck({
      id: '4.3/custom-domain-certificate',
      title: "Railway reports each custom domain's certificate as valid, with time left",
      hint: "In Railway's Networking settings, fix what the domain's status names (the CNAME or the verification TXT record), then wait for the certificate to be issued.",
      requires: [],
      run: async (ctx) => {
        if (ctx.kind !== 'remote') return skipped('needs --env=production (a deployed service on Railway)');
        let client: RailwayClient;
        try {
          const token = selectToken();
          const settings = railwaySettings();
          if (!token || !settings) {
            return skipped(
              'needs a Railway token (RAILWAY_TOKEN or RAILWAY_API_TOKEN) and RAILWAY_PROJECT_ID, RAILWAY_ENVIRONMENT_ID, RAILWAY_SERVICE_ID',
            );
          }
          client = new RailwayClient(settings, token, { timeoutMs: ctx.thresholds.requestTimeoutMs * 2 });
        } catch (error) {
          if (error instanceof RailwayTokenError || error instanceof RailwaySettingsError) return failed(error.message);
          throw error;
        }
        let domains;
        try {
          domains = await client.domains();
        } catch (error) {
          if (error instanceof RailwayApiError) return failed(error.message);
          throw error;
        }
        if (domains.customDomains.length === 0) {
          return skipped(
            `the service has no custom domain (its Railway domain${domains.serviceDomains.length === 1 ? '' : 's'}: ${domains.serviceDomains.join(', ') || 'none'})`,
          );
        }
        const minDays = ctx.thresholds.certificateMinDaysLeft;
        const problems: string[] = [];
        const fine: string[] = [];
        for (const domain of domains.customDomains) {
          const daysLeft = domain.expiresAt ? (Date.parse(domain.expiresAt) - Date.now()) / 86_400_000 : undefined;
          if (domain.certificateStatus !== validCertificate) {
            problems.push(
              `${domain.domain}: certificate ${domain.certificateStatus}${domain.certificateErrorMessage ? ` (${domain.certificateErrorMessage})` : ''}`,
            );
          } else if (daysLeft !== undefined && daysLeft <= minDays) {
            problems.push(
              `${domain.domain}: certificate valid but ${Math.floor(daysLeft)} day(s) left (at least ${minDays})`,
            );
          } else {
            fine.push(
              `${domain.domain} (${daysLeft === undefined ? 'expiry unknown' : `${Math.floor(daysLeft)} days left`})`,
            );
          }
        }
        if (problems.length > 0) {
          return failed(
            `custom domain certificate not valid: ${problems.join('; ')}`,
            fine.length ? `valid: ${fine.join(', ')}` : undefined,
          );
        }
        return passed(`custom domain certificates valid: ${fine.join(', ')}`);
      },
    }),
  ],
});
