/**
 * Seed task 1.1 read from the built image's configuration (what `docker
 * inspect` and `docker history` show): the user it runs as, the port it
 * exposes, its healthcheck, its environment and build steps, its size. Pure
 * functions over that data, so broken configurations are testable without
 * building them; image-scan.ts fetches the data.
 */
import { failed, passed, type Verdict } from '../../checks/check.ts';
import { describeStep } from '../../support/image-layers.ts';
import { leakedSecrets, redact, secretAssignment, type Secret } from '../../support/secrets.ts';

/** An image's HEALTHCHECK as `docker inspect` shows it: durations in nanoseconds, 0 or absent for Docker's default. */
export interface HealthcheckConfig {
  Test?: string[] | null;
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  Retries?: number;
}

/** The parts of `docker image inspect` these checks read. */
export interface ImageConfig {
  User?: string;
  ExposedPorts?: Record<string, unknown> | null;
  Healthcheck?: HealthcheckConfig | null;
  Env?: string[] | null;
}

/** One `docker history` step. */
export interface HistoryStep {
  CreatedBy: string;
  Size?: number;
}

/**
 * The configured user is not root. A name must resolve in the image's own
 * /etc/passwd (else the container does not start) to a uid other than 0.
 */
export function userVerdict(config: ImageConfig, passwd: string | undefined): Verdict {
  const user = (config.User ?? '').trim();
  if (user === '') return failed('the image runs as root: its config has no User (no USER instruction)');
  const name = user.split(':')[0]!;
  if (name === 'root' || /^0+$/.test(name)) return failed(`the image runs as root (User "${user}")`);
  if (/^\d+$/.test(name)) return passed(`runs as uid ${user}`);
  const entry = (passwd ?? '')
    .split('\n')
    .map((line) => line.split(':'))
    .find((fields) => fields[0] === name);
  if (!entry) {
    return failed(
      `the image's User "${user}" is not in its /etc/passwd, so the container cannot start`,
      passwd === undefined ? 'the image has no /etc/passwd' : undefined,
    );
  }
  if (entry[2] === '0') return failed(`the image's User "${user}" has uid 0 in /etc/passwd: root by another name`);
  return passed(`runs as ${user} (uid ${entry[2]})`);
}

export function exposedPortVerdict(config: ImageConfig, port: number): Verdict {
  const exposed = Object.keys(config.ExposedPorts ?? {});
  if (exposed.includes(`${port}/tcp`) || exposed.includes(String(port))) return passed(`exposes ${port}/tcp`);
  return failed(
    `the image does not EXPOSE the target port ${port}`,
    exposed.length > 0 ? `exposed: ${exposed.join(', ')}` : 'no EXPOSE at all',
  );
}

export function healthcheckVerdict(config: ImageConfig): Verdict {
  const test = config.Healthcheck?.Test ?? [];
  if (test.length === 0) return failed('the image has no healthcheck (no HEALTHCHECK in it or its base)');
  if (test[0] === 'NONE') return failed('the image disables its healthcheck (HEALTHCHECK NONE)');
  return passed(`healthcheck: ${redact(test.join(' ')).slice(0, 160)}`);
}

/** Docker's defaults for the HEALTHCHECK options an image leaves out (moby daemon/health.go). */
export const dockerHealthDefaults = { intervalMs: 30_000, timeoutMs: 30_000, startPeriodMs: 0, retries: 3 } as const;

/** The most this check waits for Docker to call a container healthy, whatever the image's settings. */
export const healthyBoundCapMs = 180_000;

export interface HealthTiming {
  intervalMs: number;
  timeoutMs: number;
  startPeriodMs: number;
  retries: number;
}

/** The image's healthcheck settings in milliseconds, Docker's default where it sets none. */
export function healthTiming(healthcheck: HealthcheckConfig | null | undefined): HealthTiming {
  const ms = (ns: number | undefined, fallback: number) => (ns && ns > 0 ? ns / 1e6 : fallback);
  return {
    intervalMs: ms(healthcheck?.Interval, dockerHealthDefaults.intervalMs),
    timeoutMs: ms(healthcheck?.Timeout, dockerHealthDefaults.timeoutMs),
    startPeriodMs: ms(healthcheck?.StartPeriod, dockerHealthDefaults.startPeriodMs),
    retries: healthcheck?.Retries && healthcheck.Retries > 0 ? healthcheck.Retries : dockerHealthDefaults.retries,
  };
}

/**
 * How long after the container's start Docker must have called it healthy:
 * the start period, then as many intervals as the retries allow and one
 * more, and one probe's timeout; never more than `capMs`.
 */
export function healthyBoundMs(timing: HealthTiming, capMs = healthyBoundCapMs): number {
  return Math.min(capMs, timing.startPeriodMs + timing.intervalMs * (timing.retries + 1) + timing.timeoutMs);
}

export function describeHealthTiming(timing: HealthTiming): string {
  return (
    `start period ${seconds(timing.startPeriodMs)}, interval ${seconds(timing.intervalMs)}, ` +
    `timeout ${seconds(timing.timeoutMs)}, retries ${timing.retries}`
  );
}

/** One run of the healthcheck, as `State.Health.Log` keeps the last five. */
export interface HealthLogEntry {
  Start?: string;
  End?: string;
  ExitCode?: number;
  Output?: string;
}

/** The container's health as Docker keeps it (`State.Health` of `docker inspect`). */
export interface ContainerHealth {
  /** `starting`, `healthy`, `unhealthy`; absent when the container runs no healthcheck. */
  status?: string;
  failingStreak?: number;
  log: readonly HealthLogEntry[];
  /** Since the container started (State.StartedAt). */
  sinceStartMs: number;
}

/** The last health log entries, newest last: when each ran, its exit code and its output (one line, cut). */
export function formatHealthLog(log: readonly HealthLogEntry[], needles: readonly Secret[] = [], entries = 3): string {
  if (log.length === 0) return 'health log: no check has run yet';
  const lines = log.slice(-entries).map((entry) => {
    const took =
      entry.Start && entry.End ? ` after ${Math.max(0, Date.parse(entry.End) - Date.parse(entry.Start))} ms` : '';
    const output = redact((entry.Output ?? '').replace(/\s+/g, ' ').trim(), needles);
    const shown = output.length > 200 ? `${output.slice(0, 200)}...` : output || '(no output)';
    return `${entry.Start ?? '?'} exit ${entry.ExitCode ?? '?'}${took}: ${shown}`;
  });
  return [`last ${lines.length} of Docker's health log entries (newest last):`, ...lines].join('\n');
}

/**
 * Docker's own verdict on the running container: `healthy` within the bound
 * the image's settings give. `unhealthy` fails at once (the check already
 * failed `retries` times in a row after the start period); `starting` fails
 * once the bound has passed.
 */
export function containerHealthVerdict(
  health: ContainerHealth,
  timing: HealthTiming,
  boundMs: number,
  needles: readonly Secret[] = [],
): Verdict {
  const when = `${seconds(health.sinceStartMs)} after the container started`;
  const bound = `bound ${seconds(boundMs)} from the image's healthcheck: ${describeHealthTiming(timing)}`;
  const evidence = formatHealthLog(health.log, needles);
  if (health.status === 'healthy') {
    const last = health.log.at(-1);
    return passed(
      `Docker reports the target container healthy ${when} (${bound})` +
        (last ? `; last check exit ${last.ExitCode ?? '?'}` : ''),
    );
  }
  if (health.status === undefined || health.status === 'none') {
    return failed(`Docker runs no healthcheck in the target container (${when})`, evidence);
  }
  if (health.status === 'unhealthy') {
    return failed(
      `Docker reports the target container "unhealthy", not "healthy", ${when}: its healthcheck failed ` +
        `${health.failingStreak ?? timing.retries} times in a row (${bound})`,
      evidence,
    );
  }
  return failed(
    `Docker's health status of the target container is still "${health.status}", not "healthy", ${when} (${bound})`,
    evidence,
  );
}

function seconds(ms: number): string {
  return ms % 1_000 === 0 ? `${ms / 1_000} s` : `${(ms / 1_000).toFixed(1)} s`;
}

/**
 * No secret in the image's environment or build history: a secret-looking
 * name with a value, a credential-shaped value, or one of the run's canary
 * values. Build arguments a RUN used show up in history as `|1 NAME=value`.
 */
export function configSecretsVerdict(
  config: ImageConfig,
  history: readonly HistoryStep[],
  needles: readonly Secret[],
): Verdict {
  const problems: string[] = [];
  for (const variable of config.Env ?? []) {
    const equals = variable.indexOf('=');
    const name = equals === -1 ? variable : variable.slice(0, equals);
    const value = equals === -1 ? '' : variable.slice(equals + 1);
    const canaries = leakedSecrets(value, needles);
    if (canaries.length > 0) {
      problems.push(`ENV ${name} contains the canary for ${canaries.join(', ')}`);
      continue;
    }
    const why = secretAssignment(name, value);
    if (why) problems.push(`ENV ${name} has ${why}`);
  }
  // Oldest first, as the layers are counted.
  [...history].reverse().forEach((step, index) => {
    const where = `build step ${index + 1}`;
    for (const owner of leakedSecrets(step.CreatedBy, needles))
      problems.push(`${where} contains the canary for ${owner}`);
    const buildArgs = /^\|\d+ ((?:\S+=\S*\s+)+)/.exec(step.CreatedBy)?.[1] ?? '';
    for (const assignment of buildArgs.trim().split(/\s+/).filter(Boolean)) {
      const [name, ...rest] = assignment.split('=');
      const why = secretAssignment(name!, rest.join('='));
      if (why) problems.push(`${where} ran with build argument ${name}, ${why}, recorded in the image history`);
    }
  });
  if (problems.length > 0) {
    return failed(`the image configuration carries ${problems.length} secret(s)`, problems.join('\n'));
  }
  const names = (config.Env ?? []).map((variable) => variable.split('=')[0]).join(', ');
  return passed(`no secret in the environment (${names || 'none'}) or in ${history.length} history steps`);
}

/**
 * The image fits its budget (1 MB = 1,000,000 bytes, as `docker images`
 * counts). Over budget, the evidence names the largest build steps.
 */
export function sizeVerdict(
  sizeBytes: number,
  budgetMb: number,
  history: readonly HistoryStep[] = [],
  buildMs?: number,
): Verdict {
  const sizeMb = sizeBytes / 1e6;
  const built = buildMs === undefined ? '' : `; built in ${(buildMs / 1000).toFixed(1)} s`;
  const measured = `${sizeMb.toFixed(1)} MB (budget ${budgetMb} MB)${built}`;
  if (sizeMb <= budgetMb) return passed(measured);
  const largest = [...history]
    .filter((step) => (step.Size ?? 0) > 0)
    .sort((a, b) => (b.Size ?? 0) - (a.Size ?? 0))
    .slice(0, 5)
    .map((step) => `${((step.Size ?? 0) / 1e6).toFixed(1)} MB: ${describeStep(step.CreatedBy)}`);
  return failed(`the image is ${measured}`, largest.length > 0 ? `largest steps:\n${largest.join('\n')}` : undefined);
}

// describeStep lives beside the layer scanner in support/ (5.3 reads layers too).
export { describeStep };
