/**
 * Seed task 5.2, performance meets defined requirements: the history query answered from an index under
 * 100,000 seeded messages, hundreds of WebSocket clients held without a drop or a memory climb, and the
 * HTTP scenarios of the config judged against their thresholds (a breach alone exits 99). Every scenario
 * leaves its figures under <report dir>/perf/ for perf.json, perf.html and summary.md.
 */
import { defineCheck, defineTask } from '../../checks/definition.ts';
import { probeHistoryIndex, probeLoadThresholds, probeWebSocketStability } from './probes.ts';

export const performanceTask = defineTask({
  id: '5.2',
  name: 'performance',
  title: 'Performance meets defined requirements',
  checks: [
    defineCheck({
      id: '5.2/history-query-uses-index',
      title: 'With 100,000 messages seeded, the conversation-history query is answered from an index (EXPLAIN)',
      hint: 'Index messages by (conversation_id, created_at) in a migration; read the plan with EXPLAIN',
      requires: ['running-target', 'database'],
      timeLimitMs: 150_000,
      run: probeHistoryIndex,
    }),
    defineCheck({
      id: '5.2/websocket-stability',
      title: 'Hundreds of WebSocket clients held open: none dropped, every one answered and kept alive, memory flat',
      hint: 'Release per-connection state on close and keep nothing per message; see perf.html for memory over time',
      requires: ['running-target', 'websocket-route'],
      timeLimitMs: 180_000,
      run: probeWebSocketStability,
    }),
    defineCheck({
      id: '5.2/load-within-thresholds',
      title: 'HTTP load scenarios (health, query, history) stay within their thresholds',
      hint: 'Compare perf.html with the baseline: a blocking call or an exhausted pool shows as p95 climbing with load',
      requires: ['reachable-target'],
      timeLimitMs: 240_000,
      run: probeLoadThresholds,
    }),
  ],
});
