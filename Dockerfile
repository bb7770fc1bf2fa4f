# Production image of the reference backend (seed task 1.1). Build context: the repository root.
# BASE_IMAGE (Node and npm, to install) and RUNTIME_IMAGE (plain Debian, to run) let air-gapped
# machines pass the substitutes built by `npm run setup`.
ARG BASE_IMAGE=node:24-bookworm-slim
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${BASE_IMAGE} AS dependencies
WORKDIR /app
COPY backend/package.json backend/package-lock.json ./
# --omit=peer: @qdrant/js-client-rest names typescript as a peer, 30 MB nothing runs.
RUN npm ci --omit=dev --omit=peer --no-audit --no-fund && npm cache clean --force

# The runtime carries the node binary and the app only: no npm, no headers, no compiler
# (smaller, and less to patch). Node verifies TLS with its own bundled CA store.
FROM ${RUNTIME_IMAGE}
RUN useradd --uid 1000 --user-group --create-home --shell /usr/sbin/nologin node
COPY --from=dependencies /usr/local/bin/node /usr/local/bin/node
ENV NODE_ENV=production
WORKDIR /app
COPY --from=dependencies /app/node_modules ./node_modules
COPY backend/package.json ./
COPY backend/src ./src
# Applied at start-up, not at build time: Railway's private network exists only at runtime.
COPY backend/migrations ./migrations
USER node
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node directly, not npm start: Railway's SIGTERM must reach the app.
CMD ["node", "src/server.ts"]
