/**
 * A local stand-in for Railway's edge (not Railway's): terminates TLS on
 * 127.0.0.1 with a certificate signed by a throwaway CA, forwards HTTP and
 * WebSocket upgrades to the target's plain-HTTP port, and answers plain HTTP
 * on a second port with a 301 to HTTPS, as Railway's domains do. Certificates
 * come from `selfsigned`; `certificate` picks a good one or a broken one
 * (expired, for another host, about to expire) for the 4.3 fault variants.
 */
import { writeFile } from 'node:fs/promises';
import http, { type IncomingMessage, type Server } from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import selfsigned from 'selfsigned';

import { certificateKinds } from '../../fixtures/faults/production-setup.ts';

export { certificateKinds };
export type CertificateKind = (typeof certificateKinds)[number];

export interface EdgeOptions {
  /** Where requests go: the target's http://127.0.0.1:<port>. */
  upstream: string;
  certificate?: CertificateKind;
  /** false: the plain-HTTP port serves the app instead of redirecting (a 4.3 fault). */
  redirectHttp?: boolean;
  /** Where ca.pem is written. */
  dir: string;
}

export interface StartedEdge {
  /** https://127.0.0.1:<port> */
  httpsUrl: string;
  /** http://127.0.0.1:<port> */
  httpUrl: string;
  /** The CA to trust (PEM file). */
  caFile: string;
  close(): Promise<void>;
}

const day = 86_400_000;

async function certificates(kind: CertificateKind): Promise<{ ca: string; key: string; cert: string }> {
  const now = Date.now();
  const ca = await selfsigned.generate([{ name: 'commonName', value: 'shipshape offline production CA (test only)' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate: new Date(now - 90 * day),
    notAfterDate: new Date(now + 365 * day),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const validity =
    kind === 'expired'
      ? { notBeforeDate: new Date(now - 60 * day), notAfterDate: new Date(now - 2 * day) }
      : kind === 'expiring-soon'
        ? { notBeforeDate: new Date(now - 80 * day), notAfterDate: new Date(now + 5 * day) }
        : { notBeforeDate: new Date(now - day), notAfterDate: new Date(now + 89 * day) };
  const altNames =
    kind === 'wrong-host'
      ? [{ type: 2 as const, value: 'wrong-host.example.com' }]
      : [
          { type: 7 as const, ip: '127.0.0.1' },
          { type: 2 as const, value: 'localhost' },
        ];
  const leaf = await selfsigned.generate(
    [{ name: 'commonName', value: kind === 'wrong-host' ? 'wrong-host.example.com' : '127.0.0.1' }],
    {
      keySize: 2048,
      algorithm: 'sha256',
      ...validity,
      ca: { key: ca.private, cert: ca.cert },
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames },
      ],
    },
  );
  return { ca: ca.cert, key: leaf.private, cert: leaf.cert };
}

function forwardedHeaders(request: IncomingMessage): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(request.headers)) if (value !== undefined) headers[name] = value;
  headers['x-forwarded-proto'] = 'https';
  headers['x-forwarded-for'] = request.socket.remoteAddress ?? '127.0.0.1';
  return headers;
}

function proxyRequest(upstream: URL) {
  return (request: IncomingMessage, response: http.ServerResponse) => {
    const outgoing = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: request.method,
        path: request.url,
        headers: forwardedHeaders(request),
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.rawHeaders);
        answer.pipe(response);
      },
    );
    outgoing.on('error', () => {
      if (!response.headersSent) response.writeHead(502, { 'content-type': 'text/plain' });
      response.end('edge stand-in: the upstream did not answer');
    });
    request.pipe(outgoing);
  };
}

function proxyUpgrade(upstream: URL, open: Set<Duplex>) {
  return (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    const connection = net.connect(Number(upstream.port), upstream.hostname, () => {
      const lines = [`${request.method} ${request.url} HTTP/1.1`];
      for (let index = 0; index < request.rawHeaders.length; index += 2) {
        lines.push(`${request.rawHeaders[index]}: ${request.rawHeaders[index + 1]}`);
      }
      lines.push('X-Forwarded-Proto: https', '', '');
      connection.write(lines.join('\r\n'));
      if (head.length > 0) connection.write(head);
      connection.pipe(socket);
      socket.pipe(connection);
    });
    const end = () => {
      connection.destroy();
      socket.destroy();
    };
    connection.on('error', end);
    socket.on('error', end);
    connection.on('close', () => socket.destroy());
    socket.on('close', () => connection.destroy());
  };
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

export async function startTlsEdge(options: EdgeOptions): Promise<StartedEdge> {
  const upstream = new URL(options.upstream);
  const pems = await certificates(options.certificate ?? 'good');
  const caFile = path.join(options.dir, 'offline-ca.pem');
  await writeFile(caFile, pems.ca);

  const secure = https.createServer({ key: pems.key, cert: pems.cert }, proxyRequest(upstream));
  // Upgraded sockets leave the server's bookkeeping: close() ends them from this set.
  const upgraded = new Set<Duplex>();
  secure.on('upgrade', proxyUpgrade(upstream, upgraded));
  const httpsPort = await listen(secure);
  const httpsUrl = `https://127.0.0.1:${httpsPort}`;

  const plain =
    options.redirectHttp === false
      ? http.createServer(proxyRequest(upstream))
      : http.createServer((request, response) => {
          response.writeHead(301, { location: `${httpsUrl}${request.url ?? '/'}`, 'content-type': 'text/plain' });
          response.end('Moved Permanently');
        });
  if (options.redirectHttp === false) plain.on('upgrade', proxyUpgrade(upstream, upgraded));
  const httpPort = await listen(plain);

  return {
    httpsUrl,
    httpUrl: `http://127.0.0.1:${httpPort}`,
    caFile,
    close: async () => {
      for (const socket of upgraded) socket.destroy();
      for (const server of [secure, plain]) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  };
}
