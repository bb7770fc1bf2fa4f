/**
 * Seed task 1.1 asked of the built image, through the Docker API (in the
 * manner of dockle, trivy's image scan and container-structure-test): its
 * configuration (image-config.ts), every layer's files (support/image-layers.ts), and
 * the runtime it carries (image-runtime.ts). Each probe takes the image's tag
 * and returns a Verdict whose evidence names the offending file, variable or
 * layer, never a secret's value.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { failed, passed, skipped, type Verdict } from '../../checks/check.ts';
import { getContainerRuntimeClient } from 'testcontainers';
import type { RuntimeSpec } from '../../config/profiles.ts';
import {
  configSecretsVerdict,
  containerHealthVerdict,
  exposedPortVerdict,
  formatHealthLog,
  healthcheckVerdict,
  healthTiming,
  healthyBoundMs,
  sizeVerdict,
  userVerdict,
  type HealthLogEntry,
  type HistoryStep,
  type ImageConfig,
} from './image-config.ts';
import { describeSecretFile, scanImageLayers, type LayerScan } from '../../support/image-layers.ts';
import { probeRuntime } from './image-runtime.ts';
import type { Secret } from '../../support/secrets.ts';

async function docker() {
  return (await getContainerRuntimeClient()).container.dockerode;
}

async function inspectImage(image: string): Promise<{ config: ImageConfig; size: number; layers: string[] }> {
  const info = await (await docker()).getImage(image).inspect();
  return { config: info.Config as ImageConfig, size: info.Size, layers: info.RootFS?.Layers ?? [] };
}

async function imageHistory(image: string): Promise<HistoryStep[]> {
  return (await (await docker()).getImage(image).history()) as HistoryStep[];
}

/** `needles`: the run's canaries, so this shares the layer read with probeSecretFiles. */
export async function probeNonRootUser(image: string, needles: readonly Secret[] = []): Promise<Verdict> {
  const { config } = await inspectImage(image);
  // A numeric uid or root needs no /etc/passwd; a name does, and it lives in the layers.
  const name = (config.User ?? '').split(':')[0] ?? '';
  if (name === '' || name === 'root' || /^\d+$/.test(name)) return userVerdict(config, undefined);
  const scan = await scanImageLayers(image, needles);
  return userVerdict(config, scan.files['etc/passwd']);
}

export async function probeExposesPort(image: string, port: number): Promise<Verdict> {
  return exposedPortVerdict((await inspectImage(image)).config, port);
}

/**
 * 1.1/image-healthcheck: the image declares a healthcheck (not NONE), and it
 * works: Docker's own health status of the started target container becomes
 * `healthy` within the bound the image's settings give (start period +
 * interval x (retries + 1) + timeout, capped). A HEALTHCHECK that calls a
 * tool the image lacks (curl in a slim image) is declared and never passes.
 */
export async function probeImageHealthcheck(
  image: string,
  containerId: string,
  options: { needles?: readonly Secret[]; capMs?: number; signal?: AbortSignal } = {},
): Promise<Verdict> {
  const { config } = await inspectImage(image);
  const declared = healthcheckVerdict(config);
  if (declared.status === 'failed') return declared;
  const container = (await docker()).getContainer(containerId);
  for (;;) {
    const inspect = await container.inspect();
    // What Docker runs: the container's healthcheck (the image's unless the run replaced it).
    const timing = healthTiming(inspect.Config.Healthcheck ?? config.Healthcheck);
    const boundMs = healthyBoundMs(timing, options.capMs);
    const sinceStartMs = Math.max(0, Date.now() - Date.parse(inspect.State.StartedAt));
    const health = inspect.State.Health;
    const seen = {
      ...(health?.Status ? { status: health.Status } : {}),
      ...(health?.FailingStreak !== undefined ? { failingStreak: health.FailingStreak } : {}),
      log: (health?.Log ?? []) as HealthLogEntry[],
      sinceStartMs,
    };
    if (!inspect.State.Running) {
      return failed(
        `the target container is not running (exit code ${inspect.State.ExitCode}), so Docker cannot call it healthy`,
        formatHealthLog(seen.log, options.needles),
      );
    }
    if (seen.status !== 'starting' || sinceStartMs >= boundMs || options.signal?.aborted) {
      return containerHealthVerdict(seen, timing, boundMs, options.needles);
    }
    await sleep(Math.min(1_000, boundMs - sinceStartMs));
  }
}

export async function probeConfigSecrets(image: string, needles: readonly Secret[]): Promise<Verdict> {
  const [{ config }, history] = await Promise.all([inspectImage(image), imageHistory(image)]);
  return configSecretsVerdict(config, history, needles);
}

export async function probeSizeWithinBudget(image: string, budgetMb: number, buildMs?: number): Promise<Verdict> {
  const [{ size }, history] = await Promise.all([inspectImage(image), imageHistory(image)]);
  return sizeVerdict(size, budgetMb, history, buildMs);
}

export function secretFilesVerdict(scan: LayerScan): Verdict {
  const read = `read ${scan.layers.length} layers (${(scan.bytesRead / 1e6).toFixed(1)} MB) in ${(scan.durationMs / 1000).toFixed(1)} s`;
  if (scan.secretFiles.length === 0) return passed(`no secret file in any layer; ${read}`);
  const hidden = scan.secretFiles.filter((file) => file.removedBy).length;
  return failed(
    `${scan.secretFiles.length} secret file(s) in the image's layers` +
      (hidden > 0 ? `, ${hidden} of them deleted or replaced later but still in their layer` : ''),
    scan.secretFiles.map((file) => describeSecretFile(scan, file)).join('\n'),
  );
}

export async function probeSecretFiles(image: string, needles: readonly Secret[]): Promise<Verdict> {
  return secretFilesVerdict(await scanImageLayers(image, needles));
}

/**
 * setuid/setgid files whose final version comes from a layer the base image
 * does not share (by diff id): the ones this Dockerfile added.
 */
export function addedSetuidVerdict(scan: LayerScan, baseLayers: readonly string[], baseImage: string): Verdict {
  const base = new Set(baseLayers);
  const added = scan.specialFiles.filter((file) => !base.has(scan.layers[file.layer]?.diffId ?? ''));
  const inherited = scan.specialFiles.length - added.length;
  if (added.length === 0) {
    return passed(`no setuid/setgid file added; ${inherited} come with the base image ${baseImage}`);
  }
  return failed(
    `${added.length} setuid/setgid file(s) added beyond the base image ${baseImage}`,
    added
      .map((file) => {
        const layer = scan.layers[file.layer];
        return `${file.path}: ${file.bits}, mode ${(file.mode & 0o7777).toString(8)}, from layer ${file.layer + 1}${layer?.createdBy ? ` (${layer.createdBy})` : ''}`;
      })
      .join('\n'),
  );
}

/** `baseImage`: the image the final stage starts from (see finalStageBaseImage in dockerfile-rules.ts). */
export async function probeNoAddedSetuid(
  image: string,
  baseImage: string | undefined,
  needles: readonly Secret[] = [],
): Promise<Verdict> {
  if (baseImage === undefined) return skipped('cannot tell which image the final stage starts from');
  let baseLayers: string[] = [];
  if (baseImage.toLowerCase() !== 'scratch') {
    try {
      baseLayers = (await inspectImage(baseImage)).layers;
    } catch {
      return skipped(`cannot tell which setuid files the base image brought: ${baseImage} is not present locally`);
    }
  }
  return addedSetuidVerdict(await scanImageLayers(image, needles), baseLayers, baseImage);
}

/** Runs the profile's runtime probes in short-lived containers of the image (see image-runtime.ts). */
export async function probeRuntimePresent(image: string, runtime: RuntimeSpec, runId: string): Promise<Verdict> {
  return probeRuntime(image, runtime, runId);
}
