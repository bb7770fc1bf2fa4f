/**
 * Database transport beyond "this connection is encrypted" (3.2 checks
 * pg_stat_ssl): with sslmode=require the target must refuse a server that
 * offers no TLS, rather than fall back to sending its user name and then its
 * password in plaintext. A stand-in server on the run's network answers the
 * SSLRequest with "N" and records whether a plaintext StartupMessage follows.
 * In production only the configured DATABASE_URL's sslmode is read (never its
 * password).
 */
import { randomBytes } from 'node:crypto';
import { failed, passed, skipped, type Verdict } from '../../checks/check.ts';
import type { CheckContext } from '../../checks/context.ts';
import { startTargetContainer } from '../../environments/local/target.ts';
import { outputLines, removeOneOff, startOneOff } from '../../support/docker.ts';
import { sleep } from './shared.ts';

/**
 * A PostgreSQL server that offers no TLS: answers every SSLRequest with "N"
 * and prints one JSON line per connection saying what the client sent next.
 */
const noTlsServer = `
const net = require('node:net');
net.createServer((socket) => {
  let buffered = Buffer.alloc(0);
  let sslRequests = 0;
  let reported = false;
  const report = (what) => { if (reported) return; reported = true; console.log(JSON.stringify(what)); };
  socket.on('data', (chunk) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= 8) {
      const length = buffered.readUInt32BE(0);
      const code = buffered.readUInt32BE(4);
      if (length === 8 && code === 80877103) { sslRequests++; socket.write('N'); buffered = buffered.subarray(8); continue; }
      if (code === 196608) { report({ sslRequests, plaintextStartup: true }); socket.destroy(); return; }
      report({ sslRequests, other: code }); socket.destroy(); return;
    }
  });
  socket.on('close', () => report({ sslRequests, plaintextStartup: false }));
  socket.on('error', () => undefined);
}).listen(5432, () => console.log(JSON.stringify({ listening: true })));
`;

interface ConnectionReport {
  sslRequests: number;
  plaintextStartup?: boolean;
  other?: number;
}

/** 5.3/database-refuses-plaintext */
export async function probeDatabaseRefusesPlaintext(ctx: CheckContext): Promise<Verdict> {
  if (ctx.kind === 'remote') return productionSslMode();
  const variable = 'DATABASE_URL';
  const configured = ctx.local.environment[variable];
  if (!configured) return skipped(`the target is given no ${variable}`);
  const alias = `no-tls-pg-${randomBytes(3).toString('hex')}`;
  const url = new URL(configured);
  url.hostname = alias;
  url.port = '5432';
  url.searchParams.set('sslmode', 'require');
  const server = await startOneOff({
    ...ctx.network,
    image: ctx.images.base ?? ctx.local.image,
    environment: {},
    command: ['node', '-e', noTlsServer],
    aliases: [alias],
  });
  let target: Awaited<ReturnType<typeof startTargetContainer>> | undefined;
  try {
    // The server must listen before the target's first connection.
    for (let i = 0; i < 40; i++) {
      const lines = await outputLines(server);
      if (lines.some((line) => line.text.includes('"listening"'))) break;
      await sleep(250);
    }
    target = await startTargetContainer({
      image: ctx.local.image,
      ...ctx.network,
      port: ctx.target.port,
      environment: { ...ctx.local.environment, [variable]: url.toString() },
    });
    const readyPath = ctx.target.paths.ready;
    // A loaded machine starts containers slowly: the start-up bound, and some.
    const boundMs = ctx.thresholds.healthyWithinMs + 15_000;
    const deadline = Date.now() + boundMs;
    let firstSeen: number | undefined;
    let reports: ConnectionReport[] = [];
    while (Date.now() < deadline) {
      if (readyPath) {
        // Readiness makes the target connect now, if it waits for a request to.
        await fetch(`${target.baseUrl}${readyPath}`, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
      }
      reports = (await outputLines(server))
        .map((line) => {
          try {
            return JSON.parse(line.text) as ConnectionReport & { listening?: boolean };
          } catch {
            return undefined;
          }
        })
        .filter((report): report is ConnectionReport => report !== undefined && !('listening' in report));
      if (reports.some((report) => report.plaintextStartup) || reports.length >= 2) break;
      // One refused connection seen: a little longer for a retry without TLS, then judge.
      if (reports.length > 0) firstSeen ??= Date.now();
      if (firstSeen !== undefined && Date.now() - firstSeen > 3_000) break;
      await sleep(500);
    }
    const plaintext = reports.filter((report) => report.plaintextStartup).length;
    const asked = reports.reduce((sum, report) => sum + report.sslRequests, 0);
    if (plaintext > 0) {
      return failed(
        `with sslmode=require, the target sent its startup message (user name, then the password on request) in plaintext ` +
          `to a server that offered no TLS: ${plaintext} of ${reports.length} connection(s)` +
          (asked === 0 ? ', without even asking for TLS (ssl=false)' : ' after the server declined TLS'),
        'Honour sslmode: with require, verify-ca or verify-full the client must give up when the server answers "N" to the SSLRequest.',
      );
    }
    if (reports.length === 0) {
      return failed(
        `the target never connected to the database within ${boundMs / 1000} s of starting, so its TLS behaviour could not be seen`,
      );
    }
    return passed(
      `with sslmode=require the target asked for TLS (${asked} SSLRequest(s) over ${reports.length} connection(s)) and ` +
        'gave up when a server offered none: no plaintext startup message',
    );
  } finally {
    await Promise.all([
      target?.container.stop({ timeout: 2_000 }).catch(() => undefined),
      removeOneOff(server).catch(() => undefined),
    ]);
  }
}

/**
 * Production: the sslmode of the DATABASE_URL the harness is given (names and modes only). SHIPSHAPE_DATABASE_URL
 * first, as 4.2 reads the target's variables in production; the plain name as well.
 */
export function productionSslMode(
  value: string | undefined = process.env.SHIPSHAPE_DATABASE_URL ?? process.env.DATABASE_URL,
): Verdict {
  if (!value) {
    return skipped(
      'production: DATABASE_URL is not given to the harness (set SHIPSHAPE_DATABASE_URL in the CI job to judge its sslmode; its password is never read)',
    );
  }
  // The deploy job often holds the IaC's reference (${{postgres.DATABASE_URL}}), which only Railway resolves.
  if (/\$\{\{[^}]+\}\}/.test(value)) {
    return skipped(
      'production: DATABASE_URL is a Railway reference, resolved only on Railway; give the harness the resolved URL as SHIPSHAPE_DATABASE_URL to judge its sslmode',
    );
  }
  let sslmode: string | null;
  try {
    sslmode = new URL(value).searchParams.get('sslmode');
  } catch {
    return failed('production: DATABASE_URL is not a URL (its value is not shown)');
  }
  if (sslmode === 'require' || sslmode === 'verify-ca' || sslmode === 'verify-full') {
    return passed(`production: DATABASE_URL has sslmode=${sslmode}`);
  }
  return failed(
    `production: DATABASE_URL has ${sslmode ? `sslmode=${sslmode}` : 'no sslmode'}; set sslmode=require (Railway's PostgreSQL has a self-signed certificate) or verify-full`,
  );
}
