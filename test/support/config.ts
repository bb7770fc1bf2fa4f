/** A minimal valid configuration, as a user's shipshape.config.ts would hold it, for config tests. */
import { resolveConfig } from '../../src/config/load.ts';
import type { ShipshapeConfigInput } from '../../src/config/schema.ts';

export const baseConfig: ShipshapeConfigInput = {
  target: { name: 'reference', dockerfile: 'Dockerfile', context: '.' },
  images: {
    base: 'node:24-bookworm-slim',
    runtime: 'debian:bookworm-slim',
    postgres: 'postgres:17-bookworm',
    qdrant: 'qdrant/qdrant:v1.19.0',
    substitutes: {
      base: 'shipshape-airgap/node:24-bookworm-slim',
      runtime: 'shipshape-airgap/debian:bookworm',
      postgres: 'shipshape-airgap/postgres:15-bookworm',
      qdrant: 'shipshape-standin/qdrant:latest',
      cohere: 'shipshape-standin/cohere:latest',
    },
  },
  environments: { local: { kind: 'local' }, production: { kind: 'remote' } },
};

/** Resolves a raw config as the loader does for /project/shipshape.config.ts. */
export function resolveRaw(raw: unknown, envName = 'local', env: NodeJS.ProcessEnv = {}) {
  return resolveConfig(raw, { envName, env, configFile: '/project/shipshape.config.ts' });
}
