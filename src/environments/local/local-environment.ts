import { Network, type StartedNetwork } from 'testcontainers';
import type { ResolvedConfig } from '../../config/load.ts';
import { progress, seconds, withHeartbeat } from '../../report/progress.ts';
import type { EnvironmentInfo, LocalTargetInfo } from '../info.ts';
import { resolveImages } from './images.ts';
import { startPostgres, type StartedPostgres } from './postgres.ts';
import { runNetworkNames } from './resources.ts';
import { BuildFailedError, buildImage } from './image-build.ts';
import { startTargetContainer, waitForHealthy, type StartedTarget } from './target.ts';

export const targetAlias = 'backend';

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

  constructor(config: ResolvedConfig, runId: string, reportDir: string) {
    this.config = config;
    this.runId = runId;
    this.reportDir = reportDir;
  }

  async start(): Promise<StartedLocalEnvironment> {
    const { config, runId } = this;
    const images = await resolveImages(config.images);
    progress(`images: base ${images.base}, postgres ${images.postgres} (${images.source})`);
    const info: EnvironmentInfo = {
      envName: config.envName,
      kind: 'local',
      runId,
      reportDir: this.reportDir,
      images: { base: images.base, postgres: images.postgres },
      target: { name: config.target.name, port: config.target.port, paths: config.target.paths },
      thresholds: config.thresholds,
    };
    const tag = `shipshape-target/${config.target.name}:latest`;
    const local: LocalTargetInfo = { image: tag, networkName: '', environment: {} };
    info.local = local;
    const started = new StartedLocalEnvironment(info);

    try {
      const build = await withHeartbeat(`building ${config.target.dockerfile} as ${tag}`, () =>
        buildImage({
          context: config.target.context,
          dockerfile: config.target.dockerfile,
          buildArgs: { BASE_IMAGE: images.base, ...config.target.buildArgs },
          tag,
        }),
      );
      local.buildMs = build.buildMs;
    } catch (error) {
      if (!(error instanceof BuildFailedError)) throw error;
      local.buildFailure = { message: error.message, evidence: error.log };
      progress(`the target image did not build; the checks will report it`);
      return started;
    }

    try {
      started.network = await new Network(runNetworkNames(runId)).start();
      local.networkName = started.network.getName();
      started.postgres = await withHeartbeat('starting PostgreSQL (SSL on)', () =>
        startPostgres(images.postgres, started.network!, runId),
      );
      local.environment = { DATABASE_URL: started.postgres.urlInNetwork };
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
  target?: StartedTarget;

  constructor(info: EnvironmentInfo) {
    this.info = info;
  }

  /** Removes containers before the network they are attached to. */
  async stop(): Promise<void> {
    await Promise.allSettled([this.target?.container.stop({ timeout: 5_000 }), this.postgres?.container.stop()]);
    await this.network?.stop().catch(() => undefined);
  }
}
