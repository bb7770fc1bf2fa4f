/**
 * Seed task 1.1 read from the built image's configuration (what `docker
 * inspect` and `docker history` show): the user it runs as, the port it
 * exposes, its healthcheck, its environment and build steps, its size. Pure
 * functions over that data, so broken configurations are testable without
 * building them; image-scan.ts fetches the data.
 */
import { failed, passed, type Verdict } from '../../checks/check.ts';
import { leakedSecrets, redact, secretAssignment, type Secret } from '../../support/secrets.ts';

/** The parts of `docker image inspect` these checks read. */
export interface ImageConfig {
  User?: string;
  ExposedPorts?: Record<string, unknown> | null;
  Healthcheck?: { Test?: string[] | null } | null;
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

/** A history step as the Dockerfile line it came from, shortened, with canaries and credentials redacted. */
export function describeStep(createdBy: string, needles: readonly Secret[] = []): string {
  const step = redact(
    createdBy
      .replace(/^\/bin\/sh -c #\(nop\)\s*/, '')
      .replace(/^\|\d+ (\S+=\S*\s+)*/, '')
      .replace(/^\/bin\/sh -c /, 'RUN ')
      .trim(),
    needles,
  );
  return step.length > 100 ? `${step.slice(0, 97)}...` : step || '(base image)';
}
