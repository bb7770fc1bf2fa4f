import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import tar from 'tar-fs';
import { getContainerRuntimeClient } from 'testcontainers';
import type { ShipshapeConfig } from '../../config/schema.ts';
import { progress } from '../../support/progress.ts';
import { dockerignoreRules } from '../../support/dockerignore.ts';
import { BaseImageUnavailableError, planTargetBuild, type TargetBuildPlan } from './images.ts';

export interface ImageBuild {
  context: string;
  /** Relative to the context. */
  dockerfile: string;
  buildArgs: Record<string, string>;
  tag: string;
  /**
   * Build from this text instead of the context's Dockerfile: it goes into the
   * context's tar under a generated name, never into the target's repository.
   */
  derivedDockerfile?: string;
}

/** Where a derived Dockerfile lies in the packed context (a file of that name in the context is left out). */
export const derivedDockerfileName = '.shipshape-substituted.Dockerfile';

export class BuildFailedError extends Error {
  override name = 'BuildFailedError';
  /** The builder's last output lines, for the report. */
  readonly log: string;
  constructor(message: string, log: string) {
    super(message);
    this.log = log;
  }
}

interface BuildEvent {
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
}

/**
 * Builds through the Docker API and reads the builder's event stream.
 * testcontainers' fromDockerfile ignores error events, so a failed build with
 * an older image under the same tag looked like a success; here the error
 * event fails the build and its output becomes the evidence.
 */
export async function buildImage(build: ImageBuild): Promise<{ image: string; buildMs: number }> {
  const started = Date.now();
  const context = path.resolve(build.context);
  const docker = (await getContainerRuntimeClient()).container.dockerode;
  const output: string[] = [];
  const dockerfile = build.derivedDockerfile === undefined ? build.dockerfile : derivedDockerfileName;
  const stream = await docker.buildImage(await packContext(context, build.dockerfile, build.derivedDockerfile), {
    t: build.tag,
    dockerfile,
    buildargs: build.buildArgs,
  });
  // followProgress reports only transport errors; a failed step arrives as an event.
  let stepError: string | undefined;
  const transportError = await new Promise<string | undefined>((resolve) => {
    docker.modem.followProgress(
      stream,
      (error: Error | null) => resolve(error?.message),
      (event: BuildEvent) => {
        for (const line of (event.stream ?? '').split('\n')) {
          if (!line.trim()) continue;
          output.push(line);
          if (/^Step \d+\/\d+ :/.test(line)) progress(`  ${line}`);
        }
        const error = event.errorDetail?.message ?? event.error;
        if (error) {
          stepError ??= error;
          output.push(error);
        }
      },
    );
  });
  const failure = stepError ?? transportError;
  if (failure !== undefined) {
    const derived = build.derivedDockerfile === undefined ? '' : ' (with substitutes in its FROM lines)';
    throw new BuildFailedError(
      `docker build of ${build.dockerfile}${derived} failed: ${failure.trim()}`,
      output.slice(-40).join('\n'),
    );
  }
  return { image: build.tag, buildMs: Date.now() - started };
}

/**
 * The build context as a tar stream, honouring .dockerignore as the Docker CLI
 * does, with a derived Dockerfile added under its generated name.
 */
async function packContext(context: string, dockerfile: string, derived?: string): Promise<NodeJS.ReadableStream> {
  const ignoreFile = path.join(context, '.dockerignore');
  const rules = existsSync(ignoreFile) ? dockerignoreRules(await readFile(ignoreFile, 'utf8')) : undefined;
  // The builder needs the Dockerfile and .dockerignore even when the rules exclude them.
  const always = new Set([path.normalize(dockerfile), '.dockerignore']);
  // tar-fs does not descend into an ignored directory, so the Dockerfile's ancestors must stay in.
  const onTheWay = (relative: string) => [...always].some((file) => file.startsWith(`${relative}${path.sep}`));
  // tar-fs returns a streamx Readable, which dockerode pipes like a Node stream.
  return tar.pack(context, {
    ignore: (name) => {
      const relative = path.relative(context, name);
      if (derived !== undefined && relative === derivedDockerfileName) return true;
      if (!rules) return false;
      return relative !== '' && !always.has(relative) && !onTheWay(relative) && rules.ignores(relative);
    },
    ...(derived === undefined
      ? {}
      : {
          finalize: false,
          finish: (pack: tar.Pack) => {
            pack.entry({ name: derivedDockerfileName, mode: 0o644 }, derived);
            pack.finalize();
          },
        }),
  }) as unknown as NodeJS.ReadableStream;
}

/**
 * Builds the target's image from its Dockerfile, each FROM starting from the
 * image chosen for it (planTargetBuild in images.ts). A FROM image that is not
 * on the machine and has no substitute fails the build, naming it.
 */
export async function buildTargetImage(
  images: Pick<ShipshapeConfig['images'], 'source' | 'substitutes'>,
  target: { context: string; dockerfile: string; buildArgs: Record<string, string> },
  tag: string,
): Promise<{ image: string; buildMs: number; plan: TargetBuildPlan }> {
  const file = path.resolve(target.context, target.dockerfile);
  // A missing Dockerfile is the builder's to report, in its words.
  const text = existsSync(file) ? await readFile(file, 'utf8') : '';
  let plan: TargetBuildPlan;
  try {
    plan = await planTargetBuild(images, text, target.buildArgs);
  } catch (error) {
    if (!(error instanceof BaseImageUnavailableError)) throw error;
    throw new BuildFailedError(`docker build of ${target.dockerfile} cannot start: ${error.message}`, error.evidence);
  }
  for (const base of plan.bases) {
    if (base.used === base.named) continue;
    const how = plan.via === 'build-arg' ? 'through its build argument' : 'in a derived Dockerfile';
    progress(`  FROM ${base.named}: its substitute ${base.used} (${how})`);
  }
  const built = await buildImage({
    context: target.context,
    dockerfile: target.dockerfile,
    buildArgs: plan.buildArgs,
    tag,
    ...(plan.derivedDockerfile === undefined ? {} : { derivedDockerfile: plan.derivedDockerfile }),
  });
  return { ...built, plan };
}
