import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import tar from 'tar-fs';
import { getContainerRuntimeClient } from 'testcontainers';
import { progress } from '../../support/progress.ts';
import { dockerignoreRules } from '../../support/dockerignore.ts';

export interface ImageBuild {
  context: string;
  dockerfile: string;
  buildArgs: Record<string, string>;
  tag: string;
}

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
  const stream = await docker.buildImage(await packContext(context, build.dockerfile), {
    t: build.tag,
    dockerfile: build.dockerfile,
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
    throw new BuildFailedError(
      `docker build of ${build.dockerfile} failed: ${failure.trim()}`,
      output.slice(-40).join('\n'),
    );
  }
  return { image: build.tag, buildMs: Date.now() - started };
}

/** The build context as a tar stream, honouring .dockerignore as the Docker CLI does. */
async function packContext(context: string, dockerfile: string): Promise<NodeJS.ReadableStream> {
  const ignoreFile = path.join(context, '.dockerignore');
  // tar-fs returns a streamx Readable, which dockerode pipes like a Node stream.
  if (!existsSync(ignoreFile)) return tar.pack(context) as unknown as NodeJS.ReadableStream;
  const rules = dockerignoreRules(await readFile(ignoreFile, 'utf8'));
  // The builder needs the Dockerfile and .dockerignore even when the rules exclude them.
  const always = new Set([path.normalize(dockerfile), '.dockerignore']);
  // tar-fs does not descend into an ignored directory, so the Dockerfile's ancestors must stay in.
  const onTheWay = (relative: string) => [...always].some((file) => file.startsWith(`${relative}${path.sep}`));
  return tar.pack(context, {
    ignore: (name) => {
      const relative = path.relative(context, name);
      return relative !== '' && !always.has(relative) && !onTheWay(relative) && rules.ignores(relative);
    },
  }) as unknown as NodeJS.ReadableStream;
}
