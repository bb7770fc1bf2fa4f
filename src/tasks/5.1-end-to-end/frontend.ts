/**
 * The team's chat page (fixtures/frontend/) as a browser gets it: served by
 * the harness on a loopback origin (local runs), or answered by the browser
 * itself for a configured origin (a deployed service's frontend address:
 * the page is the same, the origin is what CORS judges).
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const frontendFolder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../fixtures/frontend');

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** The page's file for a URL path, or undefined (only the folder's own files, no traversal). */
export async function frontendFile(urlPath: string): Promise<{ body: Buffer; type: string } | undefined> {
  const name = urlPath === '/' ? 'index.html' : path.posix.basename(urlPath);
  const type = types[path.extname(name)];
  if (!type) return undefined;
  try {
    return { body: await readFile(path.join(frontendFolder, name)), type };
  } catch {
    return undefined;
  }
}

export interface ServedFrontend {
  origin: string;
  close(): Promise<void>;
}

/** Serves the page at `origin` (http://127.0.0.x:port; port 0 picks a free one) until closed. */
export async function serveFrontend(origin: string): Promise<ServedFrontend> {
  const url = new URL(origin);
  if (url.protocol !== 'http:' || !url.hostname.startsWith('127.')) {
    throw new Error(`the harness serves the frontend on loopback http only, not ${origin}`);
  }
  const server: Server = createServer((request, response) => {
    void frontendFile(new URL(request.url ?? '/', origin).pathname).then((file) => {
      if (!file) {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      response.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' }).end(file.body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`the frontend's port ${url.port} was taken by another process since the run reserved it`)
          : error,
      ),
    );
    server.listen(Number(url.port || 0), url.hostname, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : Number(url.port);
  return {
    origin: `http://${url.hostname}:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
