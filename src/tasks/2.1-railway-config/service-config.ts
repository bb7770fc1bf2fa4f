/**
 * Seed task 2.1, pure judgements of the desired configuration the IaC
 * evaluates to: how the backend's service is built, started, health-checked
 * and stopped on Railway.
 */
import path from 'node:path';
import { failed, passed, type Verdict } from '../../checks/check.ts';
import type { EvaluatedIac, ServiceNode } from '../../support/railway-iac.ts';

/** A skeleton to start from when the target has no IaC file. */
export const iacSkeleton = [
  `import { defineRailway, postgres, preserve, service } from 'railway/iac';`,
  `export default defineRailway((ctx, project) => {`,
  `  const db = postgres('postgres');`,
  `  const backend = service('backend', {`,
  `    build: { builder: 'DOCKERFILE', dockerfilePath: 'Dockerfile' },`,
  `    healthcheck: '/health', healthcheckTimeout: 60,`,
  `    deploy: { restartPolicyType: 'ON_FAILURE', restartPolicyMaxRetries: 5, drainingSeconds: 30 },`,
  `    env: { DATABASE_URL: db.env.DATABASE_URL, COHERE_API_KEY: preserve() },`,
  `  });`,
  `  return project('<project>', { resources: [db, backend] });`,
  `});`,
].join('\n');

export function describeIac(evaluated: EvaluatedIac, service: ServiceNode, elapsedMs: number): string {
  const others = evaluated.graph.resources
    .filter((resource) => resource.address !== service.address)
    .map((resource) => `${resource.type} ${resource.name}`);
  const variables = Object.keys(service.variables ?? {}).length;
  return (
    `evaluated offline for ${evaluated.environment} in ${elapsedMs} ms: project ${evaluated.graph.project.name}, ` +
    `service ${service.name} (${service.build?.builder ?? 'builder unset'}, ${variables} variables)` +
    (others.length > 0 ? `, ${others.join(', ')}` : '')
  );
}

/**
 * The service is built by Railway from a Dockerfile that exists, and it is the
 * Dockerfile shipshape verified: otherwise the checks judged another image.
 */
export function judgeDockerfileBuild(
  service: ServiceNode,
  repository: string,
  verifiedDockerfile: string,
  exists: (file: string) => boolean,
): Verdict {
  const builder = service.build?.builder;
  if (builder !== 'DOCKERFILE') {
    return failed(
      `service ${service.name} builds with ${builder ?? 'no builder set (Railway then picks Railpack, not the Dockerfile)'}, ` +
        'not from the Dockerfile shipshape verified',
    );
  }
  const root = service.source?.rootDirectory ?? '';
  const declared = service.build?.dockerfilePath ?? 'Dockerfile';
  const file = path.resolve(repository, root, declared);
  if (!exists(file)) {
    return failed(
      `service ${service.name} builds from ${path.join(root, declared)}, which does not exist in the repository`,
      `looked for ${file}`,
    );
  }
  const verified = path.resolve(repository, verifiedDockerfile);
  if (file !== verified) {
    return failed(
      `service ${service.name} builds from ${path.relative(repository, file)}, but shipshape verified ` +
        `${path.relative(repository, verified)}: Railway would ship an image nobody checked`,
    );
  }
  return passed(
    `service ${service.name} builds with DOCKERFILE from ${path.relative(repository, file)}, the one verified`,
  );
}

/** Package managers and shells between the platform and the app: SIGTERM stops there. */
const wrappers = /^(?:npm|npx|yarn|pnpm|bun)\b|^(?:sh|bash|\/bin\/sh|\/bin\/bash)\s+-c\b/;
/** A port number written into the command instead of $PORT. */
const fixedPort = /(?:--port[= ]|-p\s+|:)(\d{2,5})\b/;

/**
 * No start command that replaces the image's exec-form CMD with one that loses
 * SIGTERM (npm, a shell) or the platform's $PORT. None at all is best: the
 * image's CMD runs as built and verified.
 */
export function judgeStartCommand(service: ServiceNode, imageCmd: string | undefined): Verdict {
  const command = service.deploy?.startCommand?.trim();
  if (!command) {
    return passed(
      `no start command: Railway runs the image's own CMD${imageCmd ? ` (${imageCmd})` : ''}, as built and verified`,
    );
  }
  const problems: string[] = [];
  if (wrappers.test(command)) {
    problems.push(
      'it starts the app through a package manager or a shell, which does not pass SIGTERM on: ' +
        'every redeploy then kills the app mid-request after the draining time',
    );
  }
  const port = fixedPort.exec(command);
  if (port && !command.includes('$PORT') && !command.includes('${PORT')) {
    problems.push(`it fixes port ${port[1]} instead of reading $PORT, which Railway injects`);
  }
  if (problems.length > 0) {
    return failed(
      `service ${service.name} has start command "${command}", which replaces the image's CMD${imageCmd ? ` (${imageCmd})` : ''}: ${problems.join('; ')}`,
    );
  }
  return passed(
    `start command "${command}" replaces the image's CMD but runs the app directly and takes no fixed port`,
  );
}

export interface DrainMeasurement {
  /** SIGTERM to exit, with an answer in flight. null: still running at the bound. */
  exitAfterMs: number | null;
  exitCode: number | null;
  boundMs: number;
  /** Whether the question in flight at SIGTERM was answered (2xx): otherwise nothing was drained. */
  inFlightAnswered: boolean;
  /** What was in flight and how it ended. */
  notes: string[];
}

/**
 * Railway sends SIGKILL `drainingSeconds` after SIGTERM (0 when unset): the
 * target's measured drain must fit inside it, or every redeploy cuts answers.
 */
export function judgeDraining(service: ServiceNode, measured: DrainMeasurement): Verdict {
  const declared = service.deploy?.drainingSeconds;
  const seconds = declared ?? 0;
  const evidence = measured.notes.join('\n');
  if (measured.exitAfterMs === null) {
    return failed(
      `the target was still running ${measured.boundMs} ms after SIGTERM: no draining time covers a drain that never ends`,
      evidence,
    );
  }
  if (!measured.inFlightAnswered) {
    return failed(
      `the question in flight at SIGTERM was not answered, so the drain could not be measured ` +
        `(exit ${measured.exitCode} ${measured.exitAfterMs} ms after SIGTERM): see 1.2/sigterm-exits-cleanly`,
      evidence,
    );
  }
  const drain = `the target drained an answer in flight and exited ${measured.exitCode} ${measured.exitAfterMs} ms after SIGTERM`;
  if (seconds * 1000 < measured.exitAfterMs) {
    return failed(
      `${drain}, but Railway SIGKILLs ${declared == null ? 'at once (drainingSeconds unset: RAILWAY_DEPLOYMENT_DRAINING_SECONDS defaults to 0)' : `after drainingSeconds = ${seconds}`}`,
      evidence,
    );
  }
  return passed(`${drain}; Railway waits drainingSeconds = ${seconds} s`);
}
