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
    endToEnd: { upstreamTimeoutMs: 10_000, readinessCacheMs: 2_000 },
    environment: {
      // The suites send more than the default 60 questions a minute, all from the harness's one address.
      RATE_LIMIT_PER_MINUTE: '600',
      // Suite 5.1's Cohere faults wait out the target's own bounds: shorter ones here (defaults 30 s each) keep
      // the local run short. target.endToEnd tells the harness the same values.
      COHERE_TIMEOUT_MS: '10000',
      COHERE_CHECK_CACHE_MS: '2000',
      // The frontend's origin (made up locally): suite 5.3 builds its CORS matrix from it.
      CORS_ORIGINS: 'https://allowed.example',
    },
  },
  images: {
    // auto: per image, the official one where present (setup pulls it where a registry answers), else its substitute.
    source: 'auto',
    // The harness's own Node image (stand-ins, 3.1's calling container), plain Debian, and the dependencies.
    base: 'node:24-bookworm-slim',
    runtime: 'debian:bookworm-slim',
    postgres: 'postgres:17-bookworm',
    qdrant: 'qdrant/qdrant:v1.19.0',
    // Official image -> what runs where it is not on the machine (npm run setup builds these, scripts/airgap/).
    // A target's FROM image is replaced only by its own entry; a FROM image absent here fails the build, naming it.
    substitutes: {
      'node:24-bookworm-slim': 'shipshape-airgap/node:24-bookworm-slim',
      'debian:bookworm-slim': 'shipshape-airgap/debian:bookworm',
      // Debian bookworm's python3 is 3.11; python:3.11-slim itself now follows Debian trixie.
      'python:3.11-slim': 'shipshape-airgap/python:3.11-slim',
      'python:3.11-slim-bookworm': 'shipshape-airgap/python:3.11-slim',
      'postgres:17-bookworm': 'shipshape-airgap/postgres:15-bookworm',
      'qdrant/qdrant:v1.19.0': 'shipshape-standin/qdrant:latest',
      // Cohere is an API, not an image: this is its stand-in.
      cohere: 'shipshape-standin/cohere:latest',
    },
  },
  environments: {
    local: { kind: 'local' },
    // The URL comes from SHIPSHAPE_BASE_URL (or the deploy script), never from a committed file.
    production: {
      kind: 'remote',
      // Through Railway's edge from a CI runner; load there is capped to 10 rps for 20 s unless --load=full.
      performance: { health: ['p95<1000ms', 'errors<1%'], 'health-open': ['p95<1000ms', 'errors<1%'] },
    },
  },
  thresholds: {
    healthyWithinMs: 30_000,
    requestTimeoutMs: 5_000,
    // Suite 5.2's limits per scenario (k6's syntax or p95/errors/rps); the load scenarios themselves are under
    // `load` (src/config/load-scenarios.ts). Sized for a shared 2-core machine: README, "Load and performance".
    performance: {
      health: ['p95<3000ms', 'errors<1%', 'rps>20'],
      'health-open': ['p95<3000ms', 'errors<1%'],
      query: ['p95<8000ms', 'errors<1%'],
      history: ['p95<3000ms', 'errors<1%'],
      websocket: ['p95<15000ms', 'errors<10%'],
    },
  },
  reportDir: 'reports',
});
