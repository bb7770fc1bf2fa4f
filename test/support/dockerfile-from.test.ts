/**
 * Which image each FROM names, as Docker resolves it: the one resolution the
 * 1.1 rules judge and the local build chooses its base images by.
 */
import { describe, expect, it } from 'vitest';
import {
  canonicalImageReference,
  declaredGlobalArgs,
  replaceFromImages,
  resolveFromLines,
  soleVariable,
} from '../../src/support/dockerfile-from.ts';

const images = (text: string, buildArgs: Record<string, string> = {}) =>
  resolveFromLines(text, buildArgs).map((from) => from.image ?? `stage ${from.parent}`);

describe('resolveFromLines', () => {
  it('takes ARG defaults, and build arguments over them', () => {
    const text = 'ARG BASE_IMAGE=python:3.11-slim\nFROM ${BASE_IMAGE}\n';
    expect(images(text)).toEqual(['python:3.11-slim']);
    expect(images(text, { BASE_IMAGE: 'python:3.12-slim' })).toEqual(['python:3.12-slim']);
  });

  it('expands an ARG default that uses an earlier ARG, and several ARGs on one line', () => {
    const text = 'ARG PY=3.11 VARIANT=slim\nARG BASE=python:${PY}-${VARIANT}\nFROM $BASE\n';
    expect(images(text)).toEqual(['python:3.11-slim']);
    expect(images(text, { PY: '3.12' })).toEqual(['python:3.12-slim']);
  });

  it('a stage name is the stage, not an image, whatever its case', () => {
    const lines = resolveFromLines('FROM node:24 AS Build\nRUN true\nFROM build\n', {});
    expect(lines.map((line) => [line.line, line.image, line.parent])).toEqual([
      [0, 'node:24', undefined],
      [2, undefined, 0],
    ]);
  });

  it('an ARG inside a stage does not reach a later FROM', () => {
    expect(images('FROM node:24\nARG NEXT=debian:12\nFROM ${NEXT}\n')).toEqual(['node:24', '']);
  });

  it('ignores build arguments the Dockerfile does not declare', () => {
    expect(images('FROM debian:bookworm-slim\n', { BASE_IMAGE: 'shipshape-airgap/node:24-bookworm-slim' })).toEqual([
      'debian:bookworm-slim',
    ]);
    expect(declaredGlobalArgs('ARG A=1 B\nFROM x:1\nARG C\n')).toEqual(['A', 'B']);
  });
});

describe('image references', () => {
  it('compares Docker Hub spellings as one', () => {
    expect(canonicalImageReference('docker.io/library/python:3.11-slim')).toBe('python:3.11-slim');
    expect(canonicalImageReference('python')).toBe('python:latest');
    expect(canonicalImageReference('qdrant/qdrant:v1.19.0')).toBe('qdrant/qdrant:v1.19.0');
    expect(canonicalImageReference('localhost:5000/app')).toBe('localhost:5000/app:latest');
    expect(canonicalImageReference('app@sha256:abc')).toBe('app@sha256:abc');
  });

  it('finds the one variable a FROM consists of', () => {
    expect(soleVariable('${BASE_IMAGE}')).toBe('BASE_IMAGE');
    expect(soleVariable('$BASE')).toBe('BASE');
    expect(soleVariable('python:${PY}-slim')).toBeUndefined();
    expect(soleVariable('${BASE:-node:24}')).toBeUndefined();
  });
});

describe('replaceFromImages', () => {
  it('replaces only the image, keeping directives, flags, stage names and line numbers', () => {
    const text =
      '# syntax=docker/dockerfile:1\nARG BASE=python:3.11-slim\n' +
      'FROM --platform=linux/amd64 ${BASE} \\\n  AS build\nRUN true\r\nFROM   debian:bookworm-slim\nCOPY --from=build /a /a\n';
    const froms = resolveFromLines(text, {});
    const derived = replaceFromImages(
      text,
      new Map([
        [froms[0]!.instruction, 'shipshape-airgap/python:3.11-slim'],
        [froms[1]!.instruction, 'shipshape-airgap/debian:bookworm'],
      ]),
    );
    expect(derived).toBe(
      '# syntax=docker/dockerfile:1\nARG BASE=python:3.11-slim\n' +
        'FROM --platform=linux/amd64 shipshape-airgap/python:3.11-slim \\\n  AS build\nRUN true\r\n' +
        'FROM   shipshape-airgap/debian:bookworm\nCOPY --from=build /a /a\n',
    );
    expect(resolveFromLines(derived, {}).map((from) => from.name)).toEqual(['build', undefined]);
  });
});
