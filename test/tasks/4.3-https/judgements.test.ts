import { describe, expect, it } from 'vitest';
import {
  judgeChain,
  judgeDaysLeft,
  judgeHost,
  type CertificateSeen,
} from '../../../src/tasks/4.3-https/certificate.ts';
import { judgeHsts, judgeRedirect, plainHttpUrl } from '../../../src/tasks/4.3-https/http-policy.ts';

const now = Date.parse('2026-12-02T12:00:00Z');
const seen: CertificateSeen = {
  host: 'chat.example.com',
  port: 443,
  authorized: true,
  subject: 'CN=chat.example.com',
  altNames: 'DNS:chat.example.com',
  issuer: "CN=R11, O=Let's Encrypt",
  validFrom: 'Nov  1 00:00:00 2026 GMT',
  validTo: 'Jan 30 00:00:00 2027 GMT',
  protocol: 'TLSv1.3',
};

describe('the certificate', () => {
  it('passes a trusted chain in its validity period', () => {
    expect(judgeChain(seen, now)).toMatchObject({ ok: true });
  });

  it('names the expiry date of an expired certificate', () => {
    const expired = {
      ...seen,
      authorized: false,
      authorizationError: 'CERT_HAS_EXPIRED',
      validTo: 'Nov 30 00:00:00 2026 GMT',
    };
    expect(judgeChain(expired, now)).toMatchObject({
      ok: false,
      message: expect.stringContaining('has expired on Nov 30 00:00:00 2026 GMT (CERT_HAS_EXPIRED)'),
    });
  });

  it('says an untrusted root is untrusted', () => {
    const selfSigned = { ...seen, authorized: false, authorizationError: 'SELF_SIGNED_CERT_IN_CHAIN' };
    expect(judgeChain(selfSigned, now)).toMatchObject({ ok: false, message: expect.stringContaining('not trusted') });
  });

  it('fails a certificate for another host, naming the host', () => {
    const other = {
      ...seen,
      hostMismatch: "Host: chat.example.com. is not in the cert's altnames: DNS:other.example.com",
    };
    expect(judgeHost(other)).toMatchObject({ ok: false, message: expect.stringContaining('not for chat.example.com') });
    expect(judgeHost(seen)).toMatchObject({ ok: true });
  });

  it('holds the days left to the minimum', () => {
    expect(judgeDaysLeft(seen, 14, now)).toMatchObject({
      ok: true,
      message: expect.stringContaining('58 day(s) left'),
    });
    const soon = { ...seen, validTo: 'Dec  9 12:00:00 2026 GMT' };
    expect(judgeDaysLeft(soon, 14, now)).toMatchObject({
      ok: false,
      message: expect.stringContaining('7 day(s) left'),
    });
  });
});

describe('HTTP and HSTS', () => {
  it('derives the plain-HTTP URL only on the default port, unless configured', () => {
    expect(plainHttpUrl('https://chat.example.com', undefined)).toBe('http://chat.example.com/');
    expect(plainHttpUrl('https://127.0.0.1:8443', undefined)).toBeUndefined();
    expect(plainHttpUrl('https://127.0.0.1:8443', 'http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080');
  });

  it('wants a redirect to HTTPS on the same host', () => {
    const from = 'http://chat.example.com/health';
    expect(judgeRedirect(from, 301, 'https://chat.example.com/health', 'chat.example.com')).toMatchObject({ ok: true });
    expect(judgeRedirect(from, 200, null, 'chat.example.com')).toMatchObject({ ok: false });
    expect(judgeRedirect(from, 302, 'http://chat.example.com/x', 'chat.example.com')).toMatchObject({
      ok: false,
      message: expect.stringContaining('not to HTTPS'),
    });
    expect(judgeRedirect(from, 308, 'https://evil.example.com/', 'chat.example.com')).toMatchObject({
      ok: false,
      message: expect.stringContaining('another host'),
    });
  });

  it('wants HSTS with a max-age of 180 days or more', () => {
    expect(judgeHsts('u', 'max-age=31536000; includeSubDomains')).toMatchObject({ ok: true });
    expect(judgeHsts('u', null)).toMatchObject({ ok: false });
    expect(judgeHsts('u', 'max-age=300')).toMatchObject({ ok: false, message: expect.stringContaining('under') });
    expect(judgeHsts('u', 'includeSubDomains')).toMatchObject({
      ok: false,
      message: expect.stringContaining('no max-age'),
    });
  });
});
