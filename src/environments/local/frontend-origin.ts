import { createServer } from 'node:net';

/**
 * The origin suite 5.1 serves its chat page from (fixtures/frontend/): a
 * loopback port free now, fixed before the target starts so its CORS
 * allowlist can name it. The page is served there only while the check runs.
 */
export async function reserveFrontendOrigin(): Promise<string> {
  const port = await new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
  return `http://127.0.0.1:${port}`;
}

/** The target's variables with `origin` added to the allowlist `variable` (kept when the config already set some). */
export function allowOrigin(
  environment: Record<string, string>,
  variable: string,
  origin: string,
): Record<string, string> {
  const listed = (environment[variable] ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  if (listed.includes(origin) || listed.includes('*')) return environment;
  return { ...environment, [variable]: [...listed, origin].join(',') };
}
