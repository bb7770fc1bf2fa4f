/**
 * The load suite's (5.2) scenarios as data: which route, closed-loop or open-model, how hard, how long,
 * and the WebSocket and database settings. `load` in shipshape.config.ts overrides any of them; the
 * limits each scenario is judged by are `thresholds.performance` (per environment:
 * `environments.<name>.performance`).
 *
 * Defaults are sized for the local environment on a shared 2-core machine (the target, PostgreSQL, the
 * stand-ins and the load generator on the same cores) and measured there (README, "Load and performance"):
 * enough load to show a regression, little enough that the suite's whole local run stays near 2 minutes.
 */
import { z } from 'zod';

const positiveInt = (what: string) =>
  z
    .number({ error: `a positive integer (${what})` })
    .int({ error: `a positive integer (${what})` })
    .positive();
const seconds = (what: string) =>
  z
    .number({ error: `a number of seconds (${what})` })
    .positive()
    .max(600);

/** The routes a scenario can load; `websocket` is the chat socket, the others HTTP routes of the profile. */
export const loadRoutes = ['health', 'query', 'history', 'websocket'] as const;
export type LoadRoute = (typeof loadRoutes)[number];

export const loadScenarioSchema = z.strictObject({
  route: z.enum(loadRoutes, { error: `one of ${loadRoutes.join(', ')}` }),
  /**
   * closed: `connections` each send the next request when the last is answered (autocannon, wrk).
   * open: requests arrive at `rate` per second whatever the answers do, and latency counts from the
   * intended send time, so a stall cannot hide behind the requests it held back (coordinated omission).
   */
  mode: z.enum(['closed', 'open'], { error: 'closed or open' }).default('closed'),
  connections: positiveInt('concurrent connections').max(1000).default(10),
  /** Open model: arrivals per second. */
  rate: z.number({ error: 'arrivals per second' }).positive().max(20_000).default(20),
  durationSeconds: seconds('measured').default(8),
  /** Unrecorded load before the measured run: JIT, pools and keep-alive sockets settle. */
  warmupSeconds: z.number({ error: 'a number of seconds (warm-up)' }).min(0).max(60).default(2),
});
export type LoadScenario = z.output<typeof loadScenarioSchema>;

export const websocketLoadSchema = z.strictObject({
  /** Concurrent clients held open (each asks one question, then idles until the server's keep-alive). */
  clients: positiveInt('WebSocket clients').max(5_000).default(500),
  /** How long every client is held after all connected. Long enough for the 10 s keep-alive. */
  holdSeconds: seconds('hold').default(20),
  /**
   * The clients' questions are spread over this many seconds from the start of the hold: 25 a second, the
   * hold then lasting until every client has idled 13 s after its answer. At 50 to 100 a second on a machine
   * at a load average of 25 the reference shed most of them (upstream_unavailable: its pool wait is bounded
   * at 3 s); on a quiet machine it answered 100 a second without an error.
   */
  questionsWithinSeconds: seconds('question spread').default(20),
  /** Memory growth (MB per minute, least-squares slope over the idle part of the hold) that counts as a leak. */
  memorySlopeMbPerMinute: z.number({ error: 'MB per minute' }).positive().default(60),
});

export const loadSchema = z
  .strictObject({
    scenarios: z
      .record(
        z.string().regex(/^[a-z][a-z0-9-]*$/, { error: 'a scenario name such as query-open' }),
        loadScenarioSchema,
      )
      .optional(),
    websocket: websocketLoadSchema.prefault({}),
    /** Conversation-history data seeded for the history scenario and the EXPLAIN check, then removed. */
    historyMessages: positiveInt('seeded messages').max(2_000_000).default(100_000),
    /**
     * Against a remote environment (a deployed service) every scenario is capped to this unless the run
     * says `--load=full`: a verification run must not be a denial of service on production.
     */
    remoteCap: z
      .strictObject({
        rate: z.number().positive().default(10),
        durationSeconds: seconds('remote').default(20),
        websocketClients: positiveInt('remote WebSocket clients').default(5),
      })
      .prefault({}),
  })
  .prefault({})
  .transform(({ scenarios, ...rest }) => ({
    ...rest,
    // A scenario named in the config replaces its default; the others stay.
    scenarios: { ...defaultLoadScenarios(), ...scenarios },
  }));
export type LoadSettings = z.output<typeof loadSchema>;

/**
 * Measured on the shared 2-core machine (README): on a quiet moment health holds about 1,200 requests per
 * second closed-loop at 20 connections and a query (embed, search, generate, two writes) costs about 9 ms
 * of the target's CPU; at a load average of 30 health fell to 70 per second. The open-model rates (100/s
 * health, 10/s query) sit below saturation even then, so latency, not an ever-growing queue, is what they
 * show on a good target, while a 5 s stall in the query path outgrows 20 connections at 10 arrivals/s.
 */
export function defaultLoadScenarios(): Record<string, LoadScenario> {
  return {
    health: { route: 'health', mode: 'closed', connections: 20, rate: 20, durationSeconds: 8, warmupSeconds: 2 },
    'health-open': { route: 'health', mode: 'open', connections: 20, rate: 100, durationSeconds: 8, warmupSeconds: 1 },
    query: { route: 'query', mode: 'open', connections: 20, rate: 10, durationSeconds: 10, warmupSeconds: 2 },
    history: { route: 'history', mode: 'closed', connections: 10, rate: 20, durationSeconds: 8, warmupSeconds: 2 },
  };
}
