import { getContainerRuntimeClient, Network, type StartedNetwork } from 'testcontainers';
import type { ResolvedConfig } from '../../config/load.ts';
import type { Provisioning } from '../provisioning.ts';
import { progress, seconds, withHeartbeat } from '../../support/progress.ts';
import { targetBaseKey, type EnvironmentInfo, type ImageSubstitution, type LocalTargetInfo } from '../info.ts';
import { resolveImages } from './images.ts';
import { postgresAlias, startPostgres, type StartedPostgres } from './postgres.ts';
import {
  cohereAlias,
  coherePort,
  qdrantAlias,
  startCohere,
  startQdrant,
  type StartedCohere,
  type StartedQdrant,
} from './standins.ts';
import { unpauseIfPaused, withDeadline } from '../../support/bounded.ts';
import { saveContainerLogs } from './logs.ts';
import { runNetworkNames } from '../../support/run-resources.ts';
import { BuildFailedError, buildTargetImage, derivedDockerfileName } from './image-build.ts';
import { allowOrigin, reserveFrontendOrigin } from './frontend-origin.ts';
import { startTargetContainer, waitForHealthy, type StartedTarget } from './target.ts';

export const targetAlias = 'backend';

/** The images the harness runs itself; the target's base images are what its own Dockerfile names. */
const harnessRoles = ['base', 'postgres', 'qdrant', 'cohere'] as const;

/**
 * Every secret the target gets locally is a canary marked with the run id:
 * found in a response, a log line, an image layer or a report, it is a leak.
 */
export function canarySecrets(runId: string): Record<'QDRANT_API_KEY' | 'COHERE_API_KEY' | 'ADMIN_TOKEN', string> {
  return {
    QDRANT_API_KEY: `canary-qdrant-${runId}`,
    COHERE_API_KEY: `canary-cohere-${runId}`,
    ADMIN_TOKEN: `canary-admin-token-${runId}`,
  };
}

/**
 * The local topology of DESIGN section 2: the target built from its
 * Dockerfile, PostgreSQL with SSL, one network. A target that fails to build
 * or start is recorded for the checks to report, not thrown: that is a
 * verdict on the target, not a harness failure.
 */
export class LocalEnvironment {
  private readonly config: ResolvedConfig;
  private readonly runId: string;
  private readonly reportDir: string;
  private targetEnvironment: Record<string, string> = {};

  constructor(config: ResolvedConfig, runId: string, reportDir: string) {
    this.config = config;
    this.runId = runId;
    this.reportDir = reportDir;
  }

  /** Variables added to (or replacing) the target's wiring, e.g. a benchmark lifting the rate limit. */
  withTargetEnvironment(environment: Record<string, string>): this {
    this.targetEnvironment = { ...this.targetEnvironment, ...environment };
    return this;
  }

  /**
   * `provision`: how much the selected checks need (checks/requirements.ts): a run of Dockerfile rules builds
   * nothing, a run of image checks only builds the image.
   */
  async start(provision: Provisioning = 'everything'): Promise<StartedLocalEnvironment> {
    const { config, runId } = this;
    const images = await resolveImages(config.images, harnessRoles);
    progress(
      `images: ${harnessRoles.map((role) => `${role} ${images[role]}`).join(', ')}` +
        (images.substituted.length ? ` (substitutes for ${images.substituted.join(', ')})` : ''),
    );
    const substitutions: ImageSubstitution[] = images.substituted.map((role) => ({
      named: config.images[role] ?? role,
      substitute: images[role],
      usedBy: role,
    }));
    const info: EnvironmentInfo = {
      envName: config.envName,
      kind: 'local',
      runId,
      reportDir: this.reportDir,
      images: Object.fromEntries(harnessRoles.map((role) => [role, images[role]])),
      substitutions,
      target: config.target,
      thresholds: config.thresholds,
    };
    const tag = `shipshape-target/${config.target.name}:latest`;
    const local: LocalTargetInfo = {
      image: tag,
      // The target's own; a declared ARG carrying a substitute is added once the build is planned.
      buildArgs: { ...config.target.buildArgs },
      networkName: '',
      alias: targetAlias,
      environment: {},
    };
    const started = new StartedLocalEnvironment(info);
    if (provision === 'nothing') {
      progress('the selected checks read the repository only: nothing to build or start');
      return started;
    }
    info.local = local;

    try {
      const build = await withHeartbeat(`building ${config.target.dockerfile} as ${tag}`, () =>
        buildTargetImage(config.images, config.target, tag),
      );
      local.buildMs = build.buildMs;
      const { plan } = build;
      local.buildArgs = plan.buildArgs;
      local.baseImages = plan.bases;
      // Its name only: the text is the target's Dockerfile, which may hold what the 1.1 rules flag as a secret.
      if (plan.derivedDockerfile !== undefined) local.derivedDockerfile = derivedDockerfileName;
      for (const base of plan.bases) {
        info.images[targetBaseKey(base.named)] = base.used;
        if (base.used === base.named) continue;
        substitutions.push({
          named: base.named,
          substitute: base.used,
          usedBy: 'target',
          lines: base.lines,
          ...(plan.via ? { via: plan.via } : {}),
        });
      }
    } catch (error) {
      if (!(error instanceof BuildFailedError)) throw error;
      local.buildFailure = { message: error.message, evidence: error.log };
      progress(`the target image did not build; the checks will report it`);
      return started;
    }

    if (provision === 'image') {
      progress('the selected checks need the image only: no container started');
      return started;
    }

    try {
      started.network = await new Network(runNetworkNames(runId)).start();
      local.networkName = started.network.getName();
      const network = started.network;
      const secrets = canarySecrets(runId);
      const [postgres, qdrant, cohere] = await withHeartbeat('starting PostgreSQL (SSL on), Qdrant and Cohere', () =>
        Promise.all([
          startPostgres(images.postgres, network, runId),
          startQdrant(images.qdrant, network, runId, secrets.QDRANT_API_KEY),
          startCohere(images.cohere, network, runId, secrets.COHERE_API_KEY),
        ]),
      );
      Object.assign(started, { postgres, qdrant, cohere });
      local.dependencies = {
        postgres: {
          containerId: postgres.container.getId(),
          alias: postgresAlias,
          port: 5432,
          database: postgres.container.getDatabase(),
          user: postgres.container.getUsername(),
          password: postgres.container.getPassword(),
        },
        qdrant: { containerId: qdrant.container.getId(), alias: qdrantAlias, port: 6333 },
        cohere: { containerId: cohere.container.getId(), alias: cohereAlias, port: coherePort },
      };
      local.environment = {
        DATABASE_URL: postgres.urlInNetwork,
        QDRANT_URL: qdrant.urlInNetwork,
        QDRANT_COLLECTION: 'shipshape-book',
        COHERE_BASE_URL: cohere.urlInNetwork,
        ...secrets,
        ...config.target.environment,
        ...this.targetEnvironment,
      };
      // Suite 5.1's browser calls the target from this origin: the target's allowlist names it.
      const corsVariable = config.target.endToEnd.corsOriginsVariable;
      if (corsVariable) {
        info.frontendOrigin = await reserveFrontendOrigin();
        local.environment = allowOrigin(local.environment, corsVariable, info.frontendOrigin);
      }
      started.target = await startTargetContainer({
        image: tag,
        networkName: local.networkName,
        runId,
        port: config.target.port,
        environment: local.environment,
        aliases: [targetAlias],
      });
      local.containerId = started.target.container.getId();
      local.baseUrl = started.target.baseUrl;
      info.baseUrl = started.target.baseUrl;
      const health = await waitForHealthy(
        started.target,
        config.target.paths.health,
        config.thresholds.healthyWithinMs,
      );
      if (health.healthy) {
        local.healthyAfterMs = health.afterMs;
        progress(`target healthy after ${seconds(health.afterMs)} at ${started.target.baseUrl}`);
      } else {
        local.startFailure = { message: health.reason, evidence: health.logs };
        progress(`target did not become healthy: ${health.reason}`);
      }
    } catch (error) {
      await started.stop();
      throw error;
    }
    return started;
  }
}

export class StartedLocalEnvironment {
  readonly info: EnvironmentInfo;
  network?: StartedNetwork;
  postgres?: StartedPostgres;
  qdrant?: StartedQdrant;
  cohere?: StartedCohere;
  target?: StartedTarget;

  constructor(info: EnvironmentInfo) {
    this.info = info;
  }

  /**
   * Writes each container's output to `<reportDir>/logs/<alias>.log` so a
   * failed check can be read with the logs beside it. Secret values the run
   * injected are masked: a leak is a failed check, never a leak into the report.
   */
  /** The output of the target and each dependency, masked, into the report. */
  async saveLogs(reportDir: string): Promise<string[]> {
    return saveContainerLogs(this.info, reportDir);
  }

  /** Removes containers before the network they are attached to. */
  async stop(): Promise<void> {
    const containers = [this.target, this.postgres, this.qdrant, this.cohere].map((started) => started?.container);
    await Promise.allSettled(
      containers.map(async (container) => {
        if (!container) return;
        // This engine blocks on stopping a paused container: unpause first, and never wait without a deadline.
        const docker = (await getContainerRuntimeClient()).container.dockerode;
        await unpauseIfPaused(docker.getContainer(container.getId()), 5_000).catch(() => undefined);
        await withDeadline(container.stop({ timeout: 5_000 }), 20_000, `stopping ${container.getName()}`);
      }),
    );
    if (this.network) await withDeadline(this.network.stop(), 10_000, 'removing the network').catch(() => undefined);
  }
}
