/**
 * Seed task 1.1, "Create Dockerfile for Backend": the Dockerfile follows the
 * rules hadolint and trivy hold one to (read from the repository, so they run
 * in every environment), and the image it builds runs as a non-root user,
 * exposes the port, has a healthcheck, keeps secrets out of its config and
 * every layer, adds no setuid file, fits its size budget and carries the
 * runtime the profile names (built locally only).
 */
import { describe, inject } from 'vitest';
import { failed, type Verdict } from '../src/checks/check.ts';
import { check } from '../src/checks/define.ts';
import { needsBuiltImage } from '../src/probes/container.ts';
import {
  dockerfileChecks,
  evaluateRule,
  finalStageBaseImage,
  readDockerfileInput,
  type DockerfileInput,
  type DockerfileRule,
} from '../src/probes/dockerfile-rules.ts';
import {
  imageChecks,
  probeConfigSecrets,
  probeExposesPort,
  probeImageHealthcheck,
  probeNoAddedSetuid,
  probeNonRootUser,
  probeRuntimePresent,
  probeSecretFiles,
  probeSizeWithinBudget,
} from '../src/probes/image-scan.ts';
import { secretNeedles } from '../src/probes/image-secrets.ts';

const environment = inject('shipshape:environment');
const { target } = environment;
// Reading every layer of a large image on a busy machine takes a while; the checks share one read.
const layerScan = { timeoutMs: 300_000 };

let input: Promise<DockerfileInput> | undefined;
function dockerfileInput(): Promise<DockerfileInput> {
  input ??= readDockerfileInput(target.context, target.dockerfile, target.buildArgs);
  return input;
}

async function staticVerdict(rule: DockerfileRule): Promise<Verdict> {
  try {
    return evaluateRule(rule, await dockerfileInput());
  } catch (error) {
    return failed(error instanceof Error ? error.message : String(error));
  }
}

describe('1.1 Dockerfile rules', () => {
  for (const rule of Object.keys(dockerfileChecks) as DockerfileRule[]) {
    check(dockerfileChecks[rule], () => staticVerdict(rule));
  }
});

describe('1.1 built image', () => {
  const image = () => environment.local!.image;
  // The run's canary values: found in a layer or the image config, they are a leak.
  const needles = () => secretNeedles(environment.local!.environment, target.secretEnv);

  check(
    imageChecks.nonRootUser,
    async () => needsBuiltImage(environment) ?? probeNonRootUser(image(), needles()),
    layerScan,
  );

  check(imageChecks.exposesPort, async () => needsBuiltImage(environment) ?? probeExposesPort(image(), target.port));

  check(imageChecks.imageHealthcheck, async () => needsBuiltImage(environment) ?? probeImageHealthcheck(image()));

  check(
    imageChecks.noSecretsInImageConfig,
    async () => needsBuiltImage(environment) ?? probeConfigSecrets(image(), needles()),
  );

  check(
    imageChecks.noSecretFilesInLayers,
    async () => needsBuiltImage(environment) ?? probeSecretFiles(image(), needles()),
    layerScan,
  );

  check(
    imageChecks.noAddedSetuid,
    async () => {
      const blocked = needsBuiltImage(environment);
      if (blocked) return blocked;
      // The base as this run built it.
      const { dockerfile } = await dockerfileInput();
      return probeNoAddedSetuid(image(), finalStageBaseImage(dockerfile, environment.local!.buildArgs), needles());
    },
    layerScan,
  );

  check(
    imageChecks.sizeWithinBudget,
    async () =>
      needsBuiltImage(environment) ??
      probeSizeWithinBudget(image(), target.imageSizeBudgetMb, environment.local!.buildMs),
  );

  check(
    imageChecks.runtimePresent,
    async () => needsBuiltImage(environment) ?? probeRuntimePresent(image(), target.runtime, environment.runId),
  );
});
