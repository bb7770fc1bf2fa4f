/**
 * Tiny purpose-built images for the image-check self-tests: each one a
 * Dockerfile and a few files in a temporary build context, tagged under
 * shipshape-selftest/ so a run can remove exactly what it built.
 */
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { getContainerRuntimeClient } from 'testcontainers';
import { buildImage } from '../../src/environments/local/image-build.ts';

/** The runtime base of the reference (a debootstrap Debian bookworm); present wherever the harness runs. */
export const debianImage = 'shipshape-airgap/debian:bookworm';

export interface FixtureFile {
  content: string | Buffer;
  mode?: number;
}

const built = new Set<string>();

/** Builds `dockerfile` with `files` as its whole build context; returns the image tag. */
export async function buildFixtureImage(
  name: string,
  dockerfile: string,
  files: Record<string, string | FixtureFile> = {},
  buildArgs: Record<string, string> = {},
): Promise<string> {
  const context = await mkdtemp(path.join(tmpdir(), `shipshape-image-${name}-`));
  try {
    await writeFile(path.join(context, 'Dockerfile'), dockerfile);
    for (const [file, spec] of Object.entries(files)) {
      const { content, mode } = typeof spec === 'string' ? { content: spec, mode: undefined } : spec;
      await mkdir(path.dirname(path.join(context, file)), { recursive: true });
      await writeFile(path.join(context, file), content, mode === undefined ? undefined : { mode });
    }
    const tag = `shipshape-selftest/image-scan-${name}:latest`;
    await buildImage({ context, dockerfile: 'Dockerfile', buildArgs, tag });
    built.add(tag);
    return tag;
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}

/** Removes every image buildFixtureImage built in this process (their layers are tiny; the base stays). */
export async function removeFixtureImages(): Promise<void> {
  const docker = (await getContainerRuntimeClient()).container.dockerode;
  await Promise.all(
    [...built].map((tag) =>
      docker
        .getImage(tag)
        .remove({ force: true })
        .catch(() => undefined),
    ),
  );
  built.clear();
}
