/**
 * The target built as the local environment builds it, on a real engine: a
 * Python target starts from its own base's substitute (Python 3.11), whether
 * a declared ARG or a literal FROM names it; the target's directory is left
 * as it was; a base with no substitute fails the build, naming it.
 */
import { readdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { getContainerRuntimeClient } from 'testcontainers';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { BuildFailedError, buildTargetImage } from '../../src/environments/local/image-build.ts';
import { newRunId } from '../../src/environments/run-context.ts';
import { outputLines, removeOneOff, startOneOff, waitForExit } from '../../src/support/docker.ts';
import { removeRunResources } from '../../src/support/run-resources.ts';

process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
const runId = newRunId();
const built: string[] = [];
const contexts: string[] = [];

afterAll(async () => {
  const docker = (await getContainerRuntimeClient()).container.dockerode;
  await Promise.all(
    built.map((tag) =>
      docker
        .getImage(tag)
        .remove({ force: true })
        .catch(() => undefined),
    ),
  );
  await Promise.all(contexts.map((dir) => rm(dir, { recursive: true, force: true })));
  await removeRunResources(runId);
});

async function context(name: string, files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `shipshape-target-build-${name}-`));
  contexts.push(dir);
  for (const [file, content] of Object.entries(files)) await writeFile(path.join(dir, file), content);
  return dir;
}

async function build(name: string, dir: string) {
  const { images } = await loadConfig({ envName: 'local' });
  const tag = `shipshape-selftest/target-build-${name}:latest`;
  built.push(tag);
  return buildTargetImage(images, { context: dir, dockerfile: 'Dockerfile', buildArgs: {} }, tag);
}

async function run(image: string, command: string[]): Promise<string> {
  const container = await startOneOff({ image, networkName: 'none', runId, environment: {}, command });
  try {
    expect((await waitForExit(container, 30_000)).exitCode).toBe(0);
    return (await outputLines(container)).map((line) => line.text).join('\n');
  } finally {
    await removeOneOff(container);
  }
}

describe('a Python target, built as the local environment builds it', () => {
  it('ARG BASE_IMAGE=python:3.11-slim: built on the python substitute through that ARG, nothing else passed', async () => {
    const dir = await context('arg', {
      Dockerfile: 'ARG BASE_IMAGE=python:3.11-slim\nFROM ${BASE_IMAGE}\nCMD ["python3", "--version"]\n',
    });
    const { image, plan } = await build('arg', dir);
    expect(plan.via).toBe('build-arg');
    expect(plan.buildArgs).toEqual({ BASE_IMAGE: 'shipshape-airgap/python:3.11-slim' });
    expect(await run(image, ['python3', '--version'])).toMatch(/^Python 3\.11\./);
    expect(await run(image, ['sh', '-c', 'command -v node || echo no node'])).toBe('no node');
  });

  it('FROM python:3.11-slim: built from a derived Dockerfile packed into the context, the directory untouched', async () => {
    const files = {
      Dockerfile: 'FROM python:3.11-slim AS app\nCOPY app.py /app/app.py\nCMD ["python", "/app/app.py"]\n',
      // Even a .dockerignore that excludes everything lets the builder see its Dockerfile.
      '.dockerignore': '*\n!app.py\n',
      'app.py': 'import sys\nprint("%d.%d" % sys.version_info[:2])\n',
    };
    const dir = await context('literal', files);
    const { image, plan } = await build('literal', dir);
    expect(plan.via).toBe('derived-dockerfile');
    expect(plan.buildArgs).toEqual({});
    expect(await run(image, ['python', '/app/app.py'])).toBe('3.11');
    expect((await readdir(dir)).sort()).toEqual(Object.keys(files).sort());
    // The derived Dockerfile was the build's, not the image's.
    expect(await run(image, ['sh', '-c', 'ls -a / /app'])).not.toContain('.shipshape-substituted');
  });

  it('a base with no substitute is a failed build that names the image and how to add one', async () => {
    const dir = await context('missing', { Dockerfile: 'FROM python:3.12-slim\n' });
    const failure = await build('missing', dir).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(BuildFailedError);
    expect((failure as BuildFailedError).message).toMatch(
      /^docker build of Dockerfile cannot start: line 1 \(FROM python:3\.12-slim\): python:3\.12-slim is not on this machine and images\.substitutes names no substitute for it/,
    );
    expect((failure as BuildFailedError).message).toContain(
      "add 'python:3.12-slim': '<that image>' to images.substitutes",
    );
  });
});
