/**
 * Which image each FROM of the target's Dockerfile is built from: the image
 * itself where the machine has it, else that image's own substitute from
 * images.substitutes, never another base; and never a build argument the
 * Dockerfile does not declare. Pure: the machine's images are a set here.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  BaseImageUnavailableError,
  planTargetBuild,
  resolveImages,
  substituteFor,
  type TargetBuildPlan,
} from '../../src/environments/local/images.ts';
import { declaredGlobalArgs, resolveFromLines } from '../../src/support/dockerfile-from.ts';
import { resolveRaw, baseConfig } from '../support/config.ts';

const substitutes = {
  'node:24-bookworm-slim': 'shipshape-airgap/node:24-bookworm-slim',
  'debian:bookworm-slim': 'shipshape-airgap/debian:bookworm',
  'python:3.11-slim': 'shipshape-airgap/python:3.11-slim',
  'postgres:17-bookworm': 'shipshape-airgap/postgres:15-bookworm',
  cohere: 'shipshape-standin/cohere:latest',
};
const airgapped = new Set(Object.values(substitutes));
const auto = { source: 'auto' as const, substitutes };

function plan(
  dockerfile: string,
  options: {
    buildArgs?: Record<string, string>;
    present?: Set<string>;
    source?: 'auto' | 'registry' | 'substitutes';
  } = {},
): Promise<TargetBuildPlan> {
  const present = options.present ?? airgapped;
  return planTargetBuild(
    { source: options.source ?? 'auto', substitutes },
    dockerfile,
    options.buildArgs ?? {},
    async (image) => present.has(image),
  );
}

/** The image each FROM starts from once the plan is applied, as Docker would resolve it. */
function builtFrom(dockerfile: string, result: TargetBuildPlan): (string | undefined)[] {
  return resolveFromLines(result.derivedDockerfile ?? dockerfile, result.buildArgs).map((from) => from.image);
}

describe('the base image of each FROM', () => {
  it('ARG default: the declared ARG carries the substitute of the image it names', async () => {
    const dockerfile = 'ARG BASE_IMAGE=python:3.11-slim\nFROM ${BASE_IMAGE}\nCMD ["python3"]\n';
    const result = await plan(dockerfile);
    expect(result).toEqual({
      buildArgs: { BASE_IMAGE: 'shipshape-airgap/python:3.11-slim' },
      bases: [{ named: 'python:3.11-slim', used: 'shipshape-airgap/python:3.11-slim', lines: [2] }],
      via: 'build-arg',
    });
  });

  it('the defect: a Python target is never built on the Node substitute', async () => {
    const dockerfile = 'ARG BASE_IMAGE=python:3.11-slim\nFROM ${BASE_IMAGE}\n';
    const result = await plan(dockerfile);
    expect(builtFrom(dockerfile, result)).toEqual(['shipshape-airgap/python:3.11-slim']);
    expect(JSON.stringify(result)).not.toContain('node');
  });

  it('literal FROM: a derived Dockerfile names the substitute, and no build argument is added', async () => {
    const dockerfile = '# syntax=docker/dockerfile:1\nFROM python:3.11-slim\nRUN true\n';
    const result = await plan(dockerfile);
    expect(result.buildArgs).toEqual({});
    expect(result.via).toBe('derived-dockerfile');
    expect(result.derivedDockerfile).toBe(
      '# syntax=docker/dockerfile:1\nFROM shipshape-airgap/python:3.11-slim\nRUN true\n',
    );
    expect(result.bases).toEqual([
      { named: 'python:3.11-slim', used: 'shipshape-airgap/python:3.11-slim', lines: [2] },
    ]);
  });

  it('stage FROM: a stage is not an image; each image stage gets its own substitute', async () => {
    const dockerfile =
      'FROM node:24-bookworm-slim AS deps\nRUN npm ci\nFROM deps AS test\nFROM debian:bookworm-slim\nCOPY --from=deps /app /app\n';
    const result = await plan(dockerfile);
    expect(result.bases).toEqual([
      { named: 'node:24-bookworm-slim', used: 'shipshape-airgap/node:24-bookworm-slim', lines: [1] },
      { named: 'debian:bookworm-slim', used: 'shipshape-airgap/debian:bookworm', lines: [4] },
    ]);
    expect(builtFrom(dockerfile, result)).toEqual([
      'shipshape-airgap/node:24-bookworm-slim',
      undefined,
      'shipshape-airgap/debian:bookworm',
    ]);
    expect(resolveFromLines(result.derivedDockerfile!, {}).map((from) => from.parent)).toEqual([
      undefined,
      0,
      undefined,
    ]);
  });

  it('a FROM with no substitute fails, naming the image, that none exists and how to add one', async () => {
    const dockerfile = 'ARG BASE_IMAGE=python:3.12-slim\nFROM ${BASE_IMAGE}\n';
    const failure = await plan(dockerfile).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(BaseImageUnavailableError);
    const { message, evidence } = failure as BaseImageUnavailableError;
    expect(message).toMatch(/^line 2 \(FROM \$\{BASE_IMAGE\}\): python:3\.12-slim is not on this machine/);
    expect(message).toContain(
      'python:3.12-slim is not on this machine and images.substitutes names no substitute for it',
    );
    expect(message).toContain("add 'python:3.12-slim': '<that image>' to images.substitutes");
    expect(message).toContain('docker pull python:3.12-slim');
    expect(evidence).toContain('line 2: FROM ${BASE_IMAGE} -> python:3.12-slim');
    expect(evidence).toContain('python:3.11-slim -> shipshape-airgap/python:3.11-slim');
  });

  it('a substitute in the table that setup has not built fails, pointing at npm run setup', async () => {
    const failure = (await plan('FROM python:3.11-slim\n', { present: new Set() }).catch(
      (error: unknown) => error,
    )) as Error;
    expect(failure.message).toContain(
      'python:3.11-slim is not on this machine, nor is its substitute shipshape-airgap/python:3.11-slim; ' +
        'pull it where a registry answers (docker pull python:3.11-slim), or run `npm run setup` where none does',
    );
  });

  it('an image on the machine is built from as named, with nothing passed', async () => {
    const dockerfile = 'ARG BASE_IMAGE=python:3.11-slim\nFROM ${BASE_IMAGE}\n';
    const result = await plan(dockerfile, { present: new Set(['python:3.11-slim', ...airgapped]) });
    expect(result).toEqual({
      buildArgs: {},
      bases: [{ named: 'python:3.11-slim', used: 'python:3.11-slim', lines: [2] }],
    });
  });

  it("the target's own build arguments choose the image first; one that is present needs no substitute", async () => {
    const dockerfile = 'ARG TARGET_IMAGE\nFROM ${TARGET_IMAGE}\nUSER root\n';
    const good = 'shipshape-fault/good-reference:latest';
    const result = await plan(dockerfile, { buildArgs: { TARGET_IMAGE: good }, present: new Set([good]) });
    expect(result).toEqual({ buildArgs: { TARGET_IMAGE: good }, bases: [{ named: good, used: good, lines: [2] }] });
  });

  it('source registry builds from what the Dockerfile names; source substitutes replaces even a present image', async () => {
    const dockerfile = 'FROM python:3.11-slim\n';
    expect((await plan(dockerfile, { source: 'registry', present: new Set() })).bases[0]!.used).toBe(
      'python:3.11-slim',
    );
    const forced = await plan(dockerfile, {
      source: 'substitutes',
      present: new Set(['python:3.11-slim', ...airgapped]),
    });
    expect(forced.bases[0]!.used).toBe('shipshape-airgap/python:3.11-slim');
  });

  it('matches Docker Hub spellings of one image, and a digest by its name and tag', async () => {
    expect(substituteFor(auto, 'docker.io/library/python:3.11-slim')).toBe('shipshape-airgap/python:3.11-slim');
    expect(substituteFor(auto, 'python:3.11-slim@sha256:0123')).toBe('shipshape-airgap/python:3.11-slim');
    expect(substituteFor(auto, 'python:3.11')).toBeUndefined();
    expect(substituteFor(auto, 'python')).toBeUndefined();
    // `cohere` names the Cohere stand-in, not an image a FROM can name.
    expect(substituteFor(auto, 'cohere')).toBeUndefined();
  });

  it('an ARG that is also part of another FROM is not overridden: the derived Dockerfile carries the substitute', async () => {
    const dockerfile = 'ARG PY=python:3.11\nFROM ${PY}-slim AS build\nFROM ${PY}-slim-bookworm\n';
    const result = await plan(dockerfile, { present: new Set([...airgapped, 'python:3.11-slim-bookworm']) });
    expect(result.via).toBe('derived-dockerfile');
    expect(result.buildArgs).toEqual({});
    expect(builtFrom(dockerfile, result)).toEqual(['shipshape-airgap/python:3.11-slim', 'python:3.11-slim-bookworm']);
  });
});

describe('build arguments', () => {
  it('never passes one the target did not declare', async () => {
    for (const dockerfile of [
      'FROM debian:bookworm-slim\n',
      'ARG RUNTIME_IMAGE=debian:bookworm-slim\nFROM ${RUNTIME_IMAGE}\n',
      'ARG BASE_IMAGE=python:3.11-slim\nFROM ${BASE_IMAGE}\n',
      'FROM node:24-bookworm-slim AS deps\nFROM python:3.11-slim\n',
    ]) {
      const passed = Object.keys((await plan(dockerfile)).buildArgs);
      expect(
        passed.filter((name) => !declaredGlobalArgs(dockerfile).includes(name)),
        dockerfile,
      ).toEqual([]);
    }
    expect((await plan('FROM debian:bookworm-slim\n')).buildArgs).toEqual({});
  });

  it('the reference Dockerfile: its two declared ARGs carry the node and debian substitutes, nothing else', async () => {
    const dockerfile = readFileSync('Dockerfile', 'utf8');
    const result = await plan(dockerfile);
    expect(result.buildArgs).toEqual({
      BASE_IMAGE: 'shipshape-airgap/node:24-bookworm-slim',
      RUNTIME_IMAGE: 'shipshape-airgap/debian:bookworm',
    });
    expect(result.via).toBe('build-arg');
  });

  it('the seed-python fixture: its own RUNTIME_IMAGE, never the harness BASE_IMAGE', async () => {
    const dockerfile = readFileSync('fixtures/targets/seed-python/Dockerfile', 'utf8');
    const result = await plan(dockerfile);
    expect(result.buildArgs).toEqual({ RUNTIME_IMAGE: 'shipshape-airgap/debian:bookworm' });
    expect(result.bases).toEqual([
      { named: 'debian:bookworm-slim', used: 'shipshape-airgap/debian:bookworm', lines: [10] },
    ]);
  });
});

describe('images.substitutes in the config', () => {
  it('is a table from image to substitute', () => {
    const config = resolveRaw({ ...baseConfig, images: { ...baseConfig.images, substitutes } });
    expect(config.images.substitutes).toEqual(substitutes);
  });

  it('still reads the older form keyed by role, as the substitute of images.<role>', () => {
    expect(resolveRaw(baseConfig).images.substitutes).toEqual({
      'node:24-bookworm-slim': 'shipshape-airgap/node:24-bookworm-slim',
      'debian:bookworm-slim': 'shipshape-airgap/debian:bookworm',
      'postgres:17-bookworm': 'shipshape-airgap/postgres:15-bookworm',
      'qdrant/qdrant:v1.19.0': 'shipshape-standin/qdrant:latest',
      cohere: 'shipshape-standin/cohere:latest',
    });
  });

  it('asks for the Cohere stand-in, which has no official image to fall back on', () => {
    const { cohere: _cohere, ...withoutCohere } = substitutes;
    expect(() => resolveRaw({ ...baseConfig, images: { ...baseConfig.images, substitutes: withoutCohere } })).toThrow(
      /substitutes\.cohere/,
    );
  });

  it("gives each of the harness's roles its official image's substitute", async () => {
    const config = resolveRaw({ ...baseConfig, images: { ...baseConfig.images, substitutes } });
    const present = new Set([...airgapped, 'shipshape-standin/qdrant:latest', 'qdrant/qdrant:v1.19.0']);
    const images = await resolveImages(config.images, ['base', 'postgres', 'qdrant', 'cohere'], async (image) =>
      present.has(image),
    );
    expect(images).toEqual({
      base: 'shipshape-airgap/node:24-bookworm-slim',
      postgres: 'shipshape-airgap/postgres:15-bookworm',
      qdrant: 'qdrant/qdrant:v1.19.0',
      cohere: 'shipshape-standin/cohere:latest',
      substituted: ['base', 'postgres', 'cohere'],
    });
  });

  it('says so when a role has no substitute and its official image is absent', async () => {
    const { 'postgres:17-bookworm': _postgres, ...withoutPostgres } = substitutes;
    const config = resolveRaw({ ...baseConfig, images: { ...baseConfig.images, substitutes: withoutPostgres } });
    await expect(resolveImages(config.images, ['postgres'], async () => false)).rejects.toThrow(
      'the postgres image postgres:17-bookworm is not present and images.substitutes names no substitute for it',
    );
  });
});
