/**
 * Where the logs and metrics this suite checks are read once the service runs
 * on Railway (DESIGN section 6): said in the suite's passing messages, so a
 * report tells the reader where to look, not only that the format is right.
 */
export const railwayLogsNote =
  "On Railway: `railway logs` streams the linked service's deployment logs (`railway logs --build` the build's), " +
  "the dashboard's service > Deployments > View logs and the Observability log explorer filter these JSON lines " +
  'by level and field (e.g. the request id); the GraphQL API serves them as deploymentLogs/buildLogs(deploymentId, limit)';

export const railwayMetricsNote =
  "On Railway: the service's Metrics tab shows CPU, memory and network only; this /metrics is the app's own, " +
  'scraped by a Prometheus (or Grafana Alloy) service in the same project over the private network ' +
  '(http://<service>.railway.internal:$PORT/metrics), or read at the public domain if it is left exposed';
