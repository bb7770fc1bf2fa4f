/**
 * Seed task 1.1, "Create Dockerfile for Backend": the Dockerfile follows the
 * rules hadolint and trivy hold one to (read from the repository, so they run
 * in every environment), and the image it builds runs as a non-root user,
 * exposes the port, has a healthcheck, keeps secrets out of its config and
 * every layer, adds no setuid file, fits its size budget and carries the
 * runtime the profile names (built locally only).
 */
import { failed, type Verdict } from '../../checks/check.ts';
import type { CheckContext } from '../../checks/context.ts';
import { defineCheck, defineTask, type CheckDefinition } from '../../checks/definition.ts';
import { secretNeedles } from '../../support/secrets.ts';
import {
  evaluateRule,
  finalStageBaseImage,
  readDockerfileInput,
  type DockerfileInput,
  type DockerfileRule,
} from './dockerfile-rules.ts';
import {
  probeConfigSecrets,
  probeExposesPort,
  probeImageHealthcheck,
  probeNoAddedSetuid,
  probeNonRootUser,
  probeRuntimePresent,
  probeSecretFiles,
  probeSizeWithinBudget,
} from './image-scan.ts';
import { healthyBoundCapMs } from './image-config.ts';

// The rules share one read of the repository's files per run.
const inputs = new Map<string, Promise<DockerfileInput>>();
function dockerfileInput(ctx: CheckContext): Promise<DockerfileInput> {
  const { context, dockerfile, buildArgs } = ctx.target;
  const key = `${context}\n${dockerfile}`;
  let input = inputs.get(key);
  if (!input) {
    input = readDockerfileInput(context, dockerfile, buildArgs);
    inputs.set(key, input);
  }
  return input;
}

/** A rule read from the files: runs against the repository being deployed, in every environment. */
function ruleCheck(rule: DockerfileRule, label: Pick<CheckDefinition, 'id' | 'title' | 'hint'>): CheckDefinition {
  return defineCheck({
    ...label,
    requires: [],
    async run(ctx): Promise<Verdict> {
      try {
        return evaluateRule(rule, await dockerfileInput(ctx));
      } catch (error) {
        return failed(error instanceof Error ? error.message : String(error));
      }
    },
  });
}

/** The run's canary values: found in a layer or the image config, they are a leak. */
function needles(ctx: CheckContext) {
  return secretNeedles(ctx.local.environment, ctx.target.secretEnv);
}

// Reading every layer of a large image on a busy machine takes a while; the layer checks share one read.
const layerScanMs = 300_000;

export const dockerfileTask = defineTask({
  id: '1.1',
  name: 'dockerfile',
  title: 'Create Dockerfile for Backend',
  checks: [
    ruleCheck('baseImagePinned', {
      id: '1.1/base-image-pinned',
      title: 'Every base image is tagged, and not with latest',
      hint: 'Name a tag (node:24-bookworm-slim) or a digest (@sha256:…) in every FROM and ARG default; never latest or no tag.',
    }),
    ruleCheck('aptGetClean', {
      id: '1.1/apt-get-clean',
      title: 'apt-get installs without recommends and removes its lists in the same RUN',
      hint: 'Write `apt-get update && apt-get install -y --no-install-recommends … && rm -rf /var/lib/apt/lists/*` in one RUN; use apt-get, not apt.',
    }),
    ruleCheck('copyNotAdd', {
      id: '1.1/copy-not-add',
      title: 'Files are added with COPY, not ADD',
      hint: 'Use COPY for files and directories; download with curl (verifying a checksum) or ADD --checksum=sha256:…; keep ADD for local tar archives only.',
    }),
    ruleCheck('execFormCommand', {
      id: '1.1/exec-form-cmd',
      title: 'CMD and ENTRYPOINT of the final stage use the exec (JSON array) form',
      hint: 'Write CMD ["node", "src/server.ts"] (a JSON array, double quotes): in shell form /bin/sh is PID 1 and SIGTERM never reaches the app.',
    }),
    ruleCheck('pipefail', {
      id: '1.1/pipefail',
      title: 'A RUN that pipes sets pipefail first',
      hint: 'Add `SHELL ["/bin/bash", "-o", "pipefail", "-c"]` before the RUN, or start it with `set -o pipefail &&`, so a failing command before | fails the build.',
    }),
    ruleCheck('noSecretsInDockerfile', {
      id: '1.1/no-secrets-in-dockerfile',
      title: 'No secret is written into the Dockerfile (ARG, ENV, or any instruction)',
      hint: 'Remove the value: set secrets as Railway variables at runtime; for build-time secrets use RUN --mount=type=secret, never ARG or ENV.',
    }),
    ruleCheck('dockerfileUserNotRoot', {
      id: '1.1/dockerfile-user-not-root',
      title: "The final stage's last USER is a non-root user",
      hint: 'Create a user (useradd --uid 1000 …) and end the final stage with USER <name or uid other than 0/root>.',
    }),
    ruleCheck('dockerfileHealthcheck', {
      id: '1.1/dockerfile-healthcheck',
      title: 'The final stage declares a HEALTHCHECK',
      hint: 'Add HEALTHCHECK CMD [...] that requests the health route (and not HEALTHCHECK NONE) to the final stage.',
    }),
    ruleCheck('dockerignoreExcludesSecrets', {
      id: '1.1/dockerignore-excludes-secrets',
      title: '.dockerignore keeps .env files, .git, private keys and node_modules out of the build context',
      hint: 'Add to .dockerignore: .env, **/.env, **/.env.*, .git, **/*.pem, **/*.key, **/id_rsa*, **/node_modules.',
    }),
    defineCheck({
      id: '1.1/non-root-user',
      title: 'The image runs as a non-root user that exists in it',
      hint: 'End the final stage with USER <name> after creating that user (useradd), or USER <uid>; never root or 0.',
      requires: ['built-image'],
      timeLimitMs: layerScanMs,
      run: (ctx) => probeNonRootUser(ctx.local.image, needles(ctx)),
    }),
    defineCheck({
      id: '1.1/exposes-port',
      title: "The image EXPOSEs the target's port",
      hint: 'Add EXPOSE <port> (the port the app listens on when PORT is unset) to the final stage.',
      requires: ['built-image'],
      run: (ctx) => probeExposesPort(ctx.local.image, ctx.target.port),
    }),
    defineCheck({
      id: '1.1/image-healthcheck',
      title: 'The image has a healthcheck, and Docker reports the running container healthy by it',
      hint: 'Add HEALTHCHECK CMD [...] requesting the health route to the final stage, with a tool the image has (a slim image has no curl: use the runtime itself, e.g. node -e "fetch(...)" or python3 -c "urllib..."); remove any HEALTHCHECK NONE.',
      requires: ['running-target', 'target-container'],
      // Up to the bound the image's healthcheck settings give (capped), and room to inspect.
      timeLimitMs: healthyBoundCapMs + 30_000,
      run: (ctx) =>
        probeImageHealthcheck(ctx.local.image, ctx.targetContainerId, { needles: needles(ctx), signal: ctx.signal }),
    }),
    defineCheck({
      id: '1.1/no-secrets-in-image-config',
      title: "No secret in the image's environment or build history",
      hint: 'Remove the ENV or build argument: pass secrets as Railway variables at runtime, or RUN --mount=type=secret at build time.',
      requires: ['built-image'],
      run: (ctx) => probeConfigSecrets(ctx.local.image, needles(ctx)),
    }),
    defineCheck({
      id: '1.1/no-secret-files-in-layers',
      title: 'No secret file in any layer, including files a later layer deleted',
      hint: 'Keep the file out of the build context (.dockerignore) or out of COPY; deleting it in a later RUN leaves it in the earlier layer.',
      requires: ['built-image'],
      timeLimitMs: layerScanMs,
      run: (ctx) => probeSecretFiles(ctx.local.image, needles(ctx)),
    }),
    defineCheck({
      id: '1.1/no-added-setuid',
      title: 'No setuid or setgid file beyond those of the base image',
      hint: 'Drop the chmod u+s/g+s or the package that installs it; run the app as a plain user without privilege escalation.',
      requires: ['built-image'],
      timeLimitMs: layerScanMs,
      async run(ctx) {
        // The base as this run built it: the final stage's FROM, or the substitute the build used for it.
        const { dockerfile } = await dockerfileInput(ctx);
        const named = finalStageBaseImage(dockerfile, ctx.local.buildArgs);
        const used = ctx.local.baseImages?.find((base) => base.named === named)?.used ?? named;
        return probeNoAddedSetuid(ctx.local.image, used, needles(ctx));
      },
    }),
    defineCheck({
      id: '1.1/image-size-within-budget',
      title: "The image fits the profile's size budget",
      hint: 'Use a multi-stage build: copy only the runtime and production dependencies into a slim final stage; or raise imageSizeBudgetMb.',
      requires: ['built-image'],
      run: (ctx) => probeSizeWithinBudget(ctx.local.image, ctx.target.imageSizeBudgetMb, ctx.local.buildMs),
    }),
    defineCheck({
      id: '1.1/runtime-present',
      title: 'The image carries the runtime, system packages and modules the profile requires',
      hint: 'Install the missing piece named in the evidence in the final stage (the right Node or Python version, the apt package, the pip module).',
      requires: ['built-image'],
      run: (ctx) => probeRuntimePresent(ctx.local.image, ctx.target.runtime, ctx.runId),
    }),
  ],
});
