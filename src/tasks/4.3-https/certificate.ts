/**
 * The TLS certificate the deployed service presents: a handshake that trusts
 * what Node trusts (the system roots, NODE_EXTRA_CA_CERTS) plus the CA the
 * environment names (environments.<name>.tls.caFile), and pure judgements of
 * what it saw: does it chain, does it match the host, how long is it valid.
 */
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import tls, { type PeerCertificate } from 'node:tls';

export interface CertificateSeen {
  host: string;
  port: number;
  /** Node's verdict on the chain (system roots + extra CA); the host is judged apart. */
  authorized: boolean;
  authorizationError?: string;
  subject: string;
  altNames: string;
  issuer: string;
  validFrom: string;
  validTo: string;
  /** tls.checkServerIdentity's objection, if the certificate is not for this host. */
  hostMismatch?: string;
  protocol: string | null;
}

const day = 86_400_000;

export async function trustedCas(caFile: string | undefined): Promise<string[] | undefined> {
  if (!caFile) return undefined;
  const extra = await readFile(caFile, 'utf8').catch((error: Error) => {
    throw new Error(`cannot read the CA file ${caFile} (environments.<name>.tls.caFile): ${error.message}`);
  });
  // `ca` replaces Node's defaults: keep them (system roots and NODE_EXTRA_CA_CERTS) beside the extra CA.
  return [...tls.getCACertificates('default'), extra];
}

function name(fields: Record<string, unknown> | undefined): string {
  if (!fields) return '(none)';
  const cn = fields.CN;
  const o = fields.O;
  return [cn && `CN=${String(cn)}`, o && `O=${String(o)}`].filter(Boolean).join(', ') || '(none)';
}

/** One TLS handshake with the service's host and port (SNI for a name); the chain and host judged separately. */
export function inspectCertificate(
  url: URL,
  options: { ca?: string[]; timeoutMs: number; signal?: AbortSignal },
): Promise<CertificateSeen> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || 443);
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host,
      port,
      ...(isIP(host) ? {} : { servername: host }),
      ...(options.ca ? { ca: options.ca } : {}),
      rejectUnauthorized: false,
      // The host is judged below with the same function Node uses, so a wrong host is named as such.
      checkServerIdentity: () => undefined,
      signal: options.signal,
    } as tls.ConnectionOptions);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no TLS handshake with ${host}:${port} within ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`TLS handshake with ${host}:${port} failed: ${error.message}`));
    });
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const certificate: PeerCertificate = socket.getPeerCertificate();
      const mismatch = tls.checkServerIdentity(host, certificate);
      const seen: CertificateSeen = {
        host,
        port,
        authorized: socket.authorized,
        ...(socket.authorizationError ? { authorizationError: String(socket.authorizationError) } : {}),
        subject: name(certificate.subject as unknown as Record<string, unknown>),
        altNames: certificate.subjectaltname ?? '(none)',
        issuer: name(certificate.issuer as unknown as Record<string, unknown>),
        validFrom: certificate.valid_from,
        validTo: certificate.valid_to,
        ...(mismatch ? { hostMismatch: mismatch.message } : {}),
        protocol: socket.getProtocol(),
      };
      socket.end();
      resolve(seen);
    });
  });
}

export type Judgement = { ok: true; message: string } | { ok: false; message: string; evidence?: string };

function describe(seen: CertificateSeen): string {
  return [
    `subject: ${seen.subject}`,
    `alt names: ${seen.altNames}`,
    `issuer: ${seen.issuer}`,
    `valid: ${seen.validFrom} to ${seen.validTo}`,
    `protocol: ${seen.protocol ?? 'unknown'}`,
  ].join('\n');
}

const chainErrors: Record<string, string> = {
  CERT_HAS_EXPIRED: 'the certificate has expired',
  CERT_NOT_YET_VALID: 'the certificate is not valid yet',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the certificate is self-signed and not trusted',
  SELF_SIGNED_CERT_IN_CHAIN: 'the chain ends in a self-signed root that is not trusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the chain does not reach a trusted root (is the intermediate missing?)',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the issuer is not a trusted root (is the intermediate missing?)',
  UNABLE_TO_GET_ISSUER_CERT: 'the issuer certificate is missing from the chain',
};

/** Valid now and chaining to a trusted root. */
export function judgeChain(seen: CertificateSeen, now = Date.now()): Judgement {
  const expired = Date.parse(seen.validTo) <= now;
  if (seen.authorized && !expired) {
    return {
      ok: true,
      message: `the certificate of ${seen.host}:${seen.port} chains to a trusted root (${seen.issuer})`,
    };
  }
  const code = seen.authorizationError ?? (expired ? 'CERT_HAS_EXPIRED' : 'UNKNOWN');
  const why = chainErrors[code] ?? `the chain does not verify (${code})`;
  return {
    ok: false,
    message: `${seen.host}:${seen.port}: ${why}${code === 'CERT_HAS_EXPIRED' ? ` on ${seen.validTo}` : ''} (${code})`,
    evidence: describe(seen),
  };
}

/** The certificate names the host the service is reached at. */
export function judgeHost(seen: CertificateSeen): Judgement {
  if (!seen.hostMismatch) {
    return { ok: true, message: `the certificate names ${seen.host} (${seen.altNames})` };
  }
  return {
    ok: false,
    message: `the certificate is not for ${seen.host}: ${seen.hostMismatch}`,
    evidence: describe(seen),
  };
}

/** More than minDays of validity left. */
export function judgeDaysLeft(seen: CertificateSeen, minDays: number, now = Date.now()): Judgement {
  const left = (Date.parse(seen.validTo) - now) / day;
  if (!Number.isFinite(left))
    return { ok: false, message: `the certificate's end date is unreadable: ${seen.validTo}` };
  const shown = left < 0 ? `expired ${Math.ceil(-left)} day(s) ago` : `${Math.floor(left)} day(s) left`;
  if (left > minDays) {
    return { ok: true, message: `${shown} (until ${seen.validTo}; at least ${minDays} required)` };
  }
  return {
    ok: false,
    message: `the certificate of ${seen.host} has ${shown} (until ${seen.validTo}); at least ${minDays} required`,
    evidence: describe(seen),
  };
}
