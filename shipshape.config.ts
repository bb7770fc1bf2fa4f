import { defineConfig } from './src/config/schema.ts';

export default defineConfig({
  // The system under test: the reference backend in backend/, built by the root Dockerfile.
  target: {
    name: 'reference',
    dockerfile: 'Dockerfile',
    context: '.',
    // API shape, runtime, required variables and database: src/config/profiles.ts. Override any of them here.
    profile: 'reference',
    port: 8000,
    environment: {
      // The suites send more than the default 60 questions a minute, all from the harness's one address.
      RATE_LIMIT_PER_MINUTE: '600',
    },
  },
  images: {
    // auto: per image, the official one where present (setup pulls it where a registry answers), else its substitute.
    source: 'auto',
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
  environments: {
    local: { kind: 'local' },
    // The URL comes from SHIPSHAPE_BASE_URL (or the deploy script), never from a committed file.
    production: { kind: 'remote' },
  },
  thresholds: {
    healthyWithinMs: 30_000,
    requestTimeoutMs: 5_000,
  },
  reportDir: 'reports',
});
