/**
 * Seed task 3.1, "Production readiness": the app takes its port from the
 * platform, listens on an address other containers reach, logs JSON lines a
 * request can be followed through, hides internals behind a request id, and
 * refuses to start without a required variable, naming it and nothing secret.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { failed, passed, skipped, type Verdict } from '../../checks/check.ts';
import type { CheckContext } from '../../checks/context.ts';
import type { LocalTargetInfo } from '../../environments/info.ts';
import { containerLogs, startTargetContainer, waitForHealthy } from '../../environments/local/target.ts';
import { connectAdmin, renameTables } from '../../support/postgres-admin.ts';
import type { QueryResult } from '../../target/client.ts';
import { linesForRequest, judgeLogLines, type OutputLine } from '../../support/log-lines.ts';
import { evidenceLine, type Secret } from '../../support/secrets.ts';
import {
  containerById,
  mapLimited,
  outputLines,
  removeOneOff,
  startOneOff,
  waitForExit,
  type ExitOutcome,
} from '../../support/docker.ts';
import { internalErrorVerdict, type InternalsContext } from './internal-error.ts';
import { jsonLogsVerdict } from './json-logs.ts';
import { requiredVariablesVerdict, type MissingVariableRun } from './required-variables.ts';

/** The main target container: its whole output is what a log pipeline would read. */
function targetContainer(ctx: CheckContext): ReturnType<typeof containerById> {
  return containerById(ctx.targetContainerId);
}

let requestCounter = 0;

/** `shipshape-<run>-<n>`: unique per request and easy to find in the target's log. */
export function nextRequestId(runId: string): string {
  return `shipshape-${runId}-${++requestCounter}`;
}

function randomPort(avoid: number): number {
  const port = randomInt(20_000, 60_000);
  return port === avoid ? port + 1 : port;
}

function outputText(lines: readonly OutputLine[]): string {
  return lines.map((line) => line.text).join('\n');
}

/** The container's first and last lines (start-up says where it listens), masked, for evidence. */
async function startAndEndLines(
  container: Awaited<ReturnType<typeof containerById>>,
  secrets: readonly Secret[],
  each = 10,
): Promise<string> {
  const lines = await outputLines(container).catch((): OutputLine[] => []);
  const shown =
    lines.length <= 2 * each
      ? lines
      : [
          ...lines.slice(0, each),
          { stream: 'stdout' as const, text: `... ${lines.length - 2 * each} lines ...` },
          ...lines.slice(-each),
        ];
  return shown.map((line) => `  ${evidenceLine(line.text, secrets)}`).join('\n');
}

/**
 * 3.1/honours-random-port: starts a second container of the image with a
 * random PORT and expects the health route on that port. A port hard-coded
 * anywhere shows up as silence.
 */
export async function probeHonoursRandomPort(ctx: CheckContext): Promise<Verdict> {
  const port = randomPort(ctx.target.port);
  const withinMs = ctx.thresholds.healthyWithinMs;
  const healthPath = ctx.target.paths.health;
  const target = await startTargetContainer({
    image: ctx.local.image,
    ...ctx.network,
    port,
    environment: ctx.local.environment,
  });
  try {
    const outcome = await waitForHealthy(target, healthPath, withinMs);
    if (outcome.healthy) return passed(`answered on PORT=${port} after ${outcome.afterMs} ms`);
    return failed(
      `started with PORT=${port}, but ${outcome.reason}`,
      outcome.logs || (await containerLogs(target.container)),
    );
  } finally {
    await target.container.stop({ timeout: 2_000 });
  }
}

/**
 * Polls `url` from inside the network until it answers 200 or the time is up;
 * prints one JSON line with what it saw, and exits 0 only on a 200.
 */
const reachScript = `
const url = process.argv[1];
const deadline = Date.now() + Number(process.argv[2]);
(async () => {
  let last = 'no attempt';
  let attempts = 0;
  for (;;) {
    attempts++;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (response.status === 200) {
        console.log(JSON.stringify({ ok: true, attempts }));
        process.exit(0);
      }
      last = 'HTTP ' + response.status;
    } catch (error) {
      const cause = error.cause || {};
      last = [cause.code, cause.message || error.message].filter(Boolean).join(': ');
    }
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  console.log(JSON.stringify({ ok: false, attempts, last }));
  process.exit(1);
})();
`;

/**
 * 3.1/reachable-on-network-address: a container of the image, under a name of
 * its own on the run's network, must answer its health route to another
 * container there, as Railway's proxy and private network reach it. An app
 * bound to 127.0.0.1 answers only itself.
 */
export async function probeReachableOnNetwork(ctx: CheckContext): Promise<Verdict> {
  const { local, secrets } = ctx;
  const { port, paths } = ctx.target;
  const withinMs = ctx.thresholds.healthyWithinMs;
  const alias = `reach-${randomBytes(3).toString('hex')}`;
  const url = `http://${alias}:${port}${paths.health}`;
  const common = ctx.network;
  const started = Date.now();
  const target = await startOneOff({
    ...common,
    image: local.image,
    environment: { ...local.environment, PORT: String(port) },
    aliases: [alias],
  });
  let caller: Awaited<ReturnType<typeof startOneOff>> | undefined;
  try {
    caller = await startOneOff({
      ...common,
      image: ctx.images.base ?? local.image,
      environment: {},
      command: ['node', '-e', reachScript, url, String(withinMs)],
    });
    // Whichever ends first: the caller (it reached the target or gave up) or the target (it crashed).
    let callerExit: ExitOutcome | undefined;
    let targetExit: ExitOutcome | undefined;
    while (!callerExit) {
      const [callerState, targetState] = await Promise.all([
        waitForExit(caller, 0, started),
        waitForExit(target, 0, started),
      ]);
      if (callerState.exitCode !== null) callerExit = callerState;
      else if (targetState.exitCode !== null) {
        targetExit = targetState;
        break;
      } else if (callerState.afterMs > withinMs + 15_000) callerExit = callerState;
      else await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const targetLogs = await startAndEndLines(target, secrets);
    if (targetExit) {
      return failed(
        `the container exited with code ${targetExit.exitCode} after ${targetExit.afterMs} ms, before ${url} answered`,
        `target output:\n${targetLogs}`,
      );
    }
    const said = (await outputLines(caller)).map((line) => line.text);
    let report: { ok?: boolean; attempts?: number; last?: string } = {};
    try {
      report = JSON.parse(said.at(-1) ?? '{}') as typeof report;
    } catch {
      // the caller printed something else; shown below
    }
    if (callerExit!.exitCode === 0 && report.ok) {
      return passed(
        `${url} answered 200 to another container on the network after ${callerExit!.afterMs} ms ` +
          `(${report.attempts} attempt(s))`,
      );
    }
    const saw = report.last ?? (said.join(' | ') || `the caller exited with code ${callerExit!.exitCode}`);
    return failed(
      `another container on the network could not reach ${url} within ${withinMs} ms: ${evidenceLine(saw, secrets)}`,
      [
        `the calling container (${ctx.images.base}) saw: ${evidenceLine(saw, secrets)} after ${report.attempts ?? '?'} attempt(s)`,
        `target output:\n${targetLogs}`,
      ].join('\n'),
    );
  } finally {
    await Promise.all([removeOneOff(target), caller ? removeOneOff(caller) : Promise.resolve()]);
  }
}

/** The id the target answered with: the x-request-id header, else a request id in the body. */
function returnedRequestId(headers: Headers | undefined, body: unknown): string | undefined {
  const header = headers?.get('x-request-id');
  if (header) return header;
  const fields = (body ?? {}) as { request_id?: unknown; requestId?: unknown; error?: { request_id?: unknown } };
  const id = fields.error?.request_id ?? fields.request_id ?? fields.requestId;
  return typeof id === 'string' ? id : undefined;
}

/** Waits (bounded) until the container's log has a line for one of `ids`, and returns those lines. */
async function awaitRequestLines(
  container: Awaited<ReturnType<typeof containerById>>,
  ids: readonly string[],
  sinceSeconds: number,
  withinMs = 5_000,
): Promise<OutputLine[]> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const lines = await outputLines(container, { sinceSeconds });
    const judged = judgeLogLines(lines);
    const structured = linesForRequest(judged.structured, ids);
    const mentioning = lines.filter((line) => ids.some((id) => line.text.includes(id)));
    if (structured.length > 0 || Date.now() >= deadline) return mentioning;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const sampleQuestion = 'What does a ROS 2 node do?';

/**
 * 3.1/json-logs: the main target's whole output, line by line, and one
 * question with a known request id that must show up in a request-id field.
 */
export async function probeJsonLogs(ctx: CheckContext): Promise<Verdict> {
  const { target } = ctx;
  const container = await targetContainer(ctx);
  const sentId = nextRequestId(ctx.runId);
  const sinceSeconds = Math.floor(Date.now() / 1000) - 1;
  const result = await ctx.client().ask(sampleQuestion, { requestId: sentId });
  const returnedId = result.ok ? returnedRequestId(result.reply.headers, result.reply.body) : undefined;
  await awaitRequestLines(
    container,
    [sentId, returnedId].filter((id): id is string => Boolean(id)),
    sinceSeconds,
  );
  const lines = await outputLines(container);
  const request =
    `POST ${target.paths.query}` + (result.ok ? ` (answered ${result.reply.status})` : ` (${result.error})`);
  return jsonLogsVerdict(lines, { request, sentId, returnedId }, ctx.secrets);
}

/** `host:port` of each dependency as the target reaches it: an error body must not name them. */
export function dependencyAddresses(local: LocalTargetInfo): string[] {
  const addresses = new Set<string>();
  for (const dependency of Object.values(local.dependencies ?? {}))
    addresses.add(`${dependency.alias}:${dependency.port}`);
  for (const value of Object.values(local.environment)) {
    try {
      const url = new URL(value);
      if (url.port && url.hostname) addresses.add(`${url.hostname}:${url.port}`);
    } catch {
      // not a URL
    }
  }
  return [...addresses];
}

const hiddenSuffix = '_shipshape_hidden';

/**
 * 3.1/generic-internal-error: hides the target's tables (a schema fault its
 * error handling cannot have special-cased), asks a question with a known
 * request id, and always puts the tables back. The body must be generic and
 * carry the id; the log lines for that id must keep the detail.
 */
export async function probeGenericInternalError(ctx: CheckContext): Promise<Verdict> {
  const database = ctx.target.database;
  if (!database) {
    return skipped('the target declares no database (target.database is null): no table to take away');
  }
  const client = await connectAdmin(await ctx.postgresAdmin());
  const tables = database.tables;
  const hidden = tables.map((table) => `${table}${hiddenSuffix}`);
  const context: InternalsContext = { tables, hostPorts: dependencyAddresses(ctx.local), secrets: ctx.secrets };
  try {
    const existing = await client.query<{ name: string; present: boolean }>(
      'SELECT name, to_regclass(quote_ident(name)) IS NOT NULL AS present FROM unnest($1::text[]) AS name',
      [tables],
    );
    const missing = existing.rows.filter((row) => !row.present).map((row) => row.name);
    if (missing.length > 0) {
      return failed(
        `target.database.tables names ${missing.join(', ')}, which the database does not have (did migrations run?)`,
      );
    }
    const container = await targetContainer(ctx);
    const sentId = nextRequestId(ctx.runId);
    const sinceSeconds = Math.floor(Date.now() / 1000) - 1;
    await renameTables(client, tables, hidden);
    let result: QueryResult;
    try {
      result = await ctx.client().ask(sampleQuestion, { requestId: sentId });
    } finally {
      await renameTables(client, hidden, tables);
    }
    const request = `POST ${ctx.target.paths.query}`;
    if (!result.ok) return failed(`${request} got no answer while ${tables.join(', ')} was renamed: ${result.error}`);
    const returnedId = returnedRequestId(result.reply.headers, result.reply.body);
    const ids = [sentId, returnedId].filter((id): id is string => Boolean(id));
    const lines = await awaitRequestLines(container, ids, sinceSeconds);
    return internalErrorVerdict(
      {
        request,
        status: result.reply.status,
        body: result.reply.text,
        sentId,
        returnedId,
        logLines: linesForRequest(judgeLogLines(lines).structured, ids),
        rawLogLines: lines.map((line) => line.text),
      },
      context,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Containers started at once by 3.1/required-variables: the machine is shared. */
export const requiredVariablesParallelism = 2;

/** How long 3.1/required-variables may take: one bound per round of containers, and slack. */
export function requiredVariablesTimeoutMs(variables: number, withinMs: number): number {
  return Math.ceil(Math.max(variables, 1) / requiredVariablesParallelism) * (withinMs + 15_000) + 30_000;
}

/**
 * 3.1/required-variables: for each required variable, a container with the
 * full environment minus that one, on the run's network; it must exit
 * non-zero within the bound, name the variable and print no secret.
 */
export async function probeRequiredVariables(ctx: CheckContext): Promise<Verdict> {
  const { local } = ctx;
  const withinMs = ctx.thresholds.healthyWithinMs;
  const variables = ctx.target.requiredEnv;
  const runs = await mapLimited(
    variables,
    requiredVariablesParallelism,
    async (variable): Promise<MissingVariableRun> => {
      const variablesLeft = Object.fromEntries(
        Object.entries({ ...local.environment, PORT: String(randomPort(ctx.target.port)) }).filter(
          ([name]) => name !== variable,
        ),
      );
      const started = Date.now();
      const container = await startOneOff({
        image: local.image,
        ...ctx.network,
        environment: variablesLeft,
      });
      try {
        const exit = await waitForExit(container, withinMs, started);
        return { variable, ...exit, output: outputText(await outputLines(container)) };
      } finally {
        await removeOneOff(container);
      }
    },
  );
  return requiredVariablesVerdict(runs, ctx.secrets, withinMs);
}
