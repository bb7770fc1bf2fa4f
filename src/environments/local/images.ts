import { getContainerRuntimeClient } from 'testcontainers';
import { imageRoles, type ImageRole, type ShipshapeConfig } from '../../config/schema.ts';
import {
  canonicalImageReference,
  declaredGlobalArgs,
  replaceFromImages,
  resolveFromLines,
  soleVariable,
  type FromLine,
} from '../../support/dockerfile-from.ts';

export { imageRoles, type ImageRole };

export class HarnessError extends Error {
  override name = 'HarnessError';
}

type ImagesConfig = ShipshapeConfig['images'];

/** Whether an image is on this machine; injected so the choices can be tested without an engine. */
export type ImagePresence = (image: string) => Promise<boolean>;

/** The image name per role, and which roles run a substitute (reports name what actually ran). */
export type ResolvedImages<R extends ImageRole> = Record<R, string> & { substituted: R[] };

/**
 * The substitute images.substitutes names for an image, matched by name and
 * tag (`docker.io/library/python:3.11-slim` is `python:3.11-slim`); a digest
 * falls back to its name and tag. Never another image's substitute.
 */
export function substituteFor(images: Pick<ImagesConfig, 'substitutes'>, named: string): string | undefined {
  const wanted = canonicalImageReference(named);
  const withoutDigest = wanted.split('@')[0]!;
  const table = Object.entries(images.substitutes).filter(([key]) => !(imageRoles as readonly string[]).includes(key));
  return (
    table.find(([key]) => canonicalImageReference(key) === wanted)?.[1] ??
    table.find(([key]) => canonicalImageReference(key) === withoutDigest)?.[1]
  );
}

/**
 * Per role: the official image when present (setup pulls it where a registry
 * answers), else its substitute. Never a silent pull: on an offline machine
 * that hangs until a timeout.
 */
export async function resolveImages<R extends ImageRole>(
  images: ImagesConfig,
  roles: readonly R[],
  exists: ImagePresence = imageExists,
): Promise<ResolvedImages<R>> {
  const resolved = { substituted: [] as R[] } as ResolvedImages<R>;
  for (const role of roles) {
    const official = images[role];
    // Cohere has no official image: the table's `cohere` entry is its stand-in.
    const substitute = official ? substituteFor(images, official) : images.substitutes[role];
    if (official && images.source === 'registry') {
      (resolved as Record<R, string>)[role] = official;
    } else if (official && images.source === 'auto' && (await exists(official))) {
      (resolved as Record<R, string>)[role] = official;
    } else if (substitute && (await exists(substitute))) {
      (resolved as Record<R, string>)[role] = substitute;
      resolved.substituted.push(role);
    } else if (!substitute) {
      throw new HarnessError(
        `the ${role} image ${official} is not present and images.substitutes names no substitute for it: ` +
          `pull it where a registry answers, or add '${official}': '<a local image>' to images.substitutes`,
      );
    } else {
      const wanted = official ? `neither ${official} nor its substitute ${substitute} is` : `${substitute} is not`;
      throw new HarnessError(`the ${role} image is missing: ${wanted} present; run \`npm run setup\``);
    }
  }
  return resolved;
}

export async function imageExists(name: string): Promise<boolean> {
  const client = await getContainerRuntimeClient();
  try {
    await client.container.dockerode.getImage(name).inspect();
    return true;
  } catch {
    return false;
  }
}

// ------------------------------------------------------------ the target's base images

/** One image the target's Dockerfile starts a stage from, and what the build used. */
export interface BaseImageChoice {
  /** As the Dockerfile names it, after ARG defaults and the target's build arguments. */
  named: string;
  /** What the build started from: `named` itself, or its substitute from images.substitutes. */
  used: string;
  /** The FROM lines naming it, 1-based. */
  lines: number[];
}

/** How the target's image is built so that each FROM starts from the image chosen for it. */
export interface TargetBuildPlan {
  /** Passed to the build: the target's own, plus a declared ARG set to its substitute when that carries it. */
  buildArgs: Record<string, string>;
  /** The Dockerfile's text with substitutes in its FROM lines, when no declared ARG could carry them. */
  derivedDockerfile?: string;
  /** Each image a FROM names (stages and scratch aside), in order. */
  bases: BaseImageChoice[];
  /** How the substitutes reached the build, when there are any. */
  via?: 'build-arg' | 'derived-dockerfile';
}

/** A FROM image that is not on the machine and has no substitute there: the build cannot start. */
export class BaseImageUnavailableError extends Error {
  override name = 'BaseImageUnavailableError';
  readonly evidence: string;
  constructor(message: string, evidence: string) {
    super(message);
    this.evidence = evidence;
  }
}

/**
 * What to build FROM for each image the target's Dockerfile names: the image
 * itself where it is on the machine (or `source: registry`), else its own
 * substitute, never another base. The target's Dockerfile is left as it is,
 * for the 1.1 rules to judge what Railway will build. A substitute reaches the
 * build through a build argument the Dockerfile declares when its FROM is
 * exactly that ARG (as `docker build --build-arg` would), else through a
 * derived Dockerfile whose FROM lines name it; never through a build argument
 * the target did not declare.
 */
export async function planTargetBuild(
  images: Pick<ImagesConfig, 'source' | 'substitutes'>,
  dockerfile: string,
  buildArgs: Record<string, string>,
  exists: ImagePresence = imageExists,
): Promise<TargetBuildPlan> {
  const froms = resolveFromLines(dockerfile, buildArgs);
  const bases: BaseImageChoice[] = [];
  for (const from of froms) {
    if (!namesImage(from)) continue;
    const known = bases.find((base) => base.named === from.image);
    if (known) known.lines.push(from.line + 1);
    else bases.push({ named: from.image, used: from.image, lines: [from.line + 1] });
  }
  const problems: string[] = [];
  for (const base of bases) {
    const choice = await chooseBaseImage(images, base.named, exists);
    if ('used' in choice) base.used = choice.used;
    else problems.push(`${linesOf(base, froms)}: ${choice.problem}`);
  }
  if (problems.length > 0) {
    throw new BaseImageUnavailableError(
      problems.length === 1 ? problems[0]! : `${problems.length} base images are missing:\n${problems.join('\n')}`,
      [
        ...froms.map((from) => `line ${from.line + 1}: FROM ${from.written}${describeFrom(from)}`),
        `images.source: ${images.source}`,
        `images.substitutes: ${substituteTable(images)}`,
      ].join('\n'),
    );
  }

  const usedFor = (from: FromLine) => bases.find((base) => base.named === from.image)?.used;
  const swapped = froms.filter((from) => namesImage(from) && usedFor(from) !== from.image);
  if (swapped.length === 0) return { buildArgs: { ...buildArgs }, bases };

  // A declared ARG that is the whole image of a FROM carries the substitute, if that changes nothing else.
  const declared = new Set(declaredGlobalArgs(dockerfile));
  const withArgs = { ...buildArgs };
  for (const from of swapped) {
    const variable = soleVariable(from.written);
    if (variable && declared.has(variable)) withArgs[variable] = usedFor(from)!;
  }
  const rebuilt = resolveFromLines(dockerfile, withArgs);
  const argsSuffice = froms.every((from, index) => {
    const now = rebuilt[index]!;
    return now.parent === from.parent && now.image === (namesImage(from) ? usedFor(from) : from.image);
  });
  if (argsSuffice) return { buildArgs: withArgs, bases, via: 'build-arg' };

  const derived = replaceFromImages(dockerfile, new Map(swapped.map((from) => [from.instruction, usedFor(from)!])));
  return { buildArgs: { ...buildArgs }, derivedDockerfile: derived, bases, via: 'derived-dockerfile' };
}

/** The image to build FROM in place of `named`, or why there is none on this machine. */
export async function chooseBaseImage(
  images: Pick<ImagesConfig, 'source' | 'substitutes'>,
  named: string,
  exists: ImagePresence = imageExists,
): Promise<{ used: string } | { problem: string }> {
  // With a registry, the build pulls what the Dockerfile names: nothing to choose.
  if (images.source === 'registry') return { used: named };
  const substitute = substituteFor(images, named);
  if (images.source === 'auto' && (await exists(named))) return { used: named };
  if (substitute && (await exists(substitute))) return { used: substitute };
  if (!substitute && (await exists(named))) return { used: named };
  if (substitute) {
    if (images.source === 'auto') {
      return {
        problem:
          `${named} is not on this machine, nor is its substitute ${substitute}; pull it where a registry ` +
          `answers (docker pull ${named}), or run \`npm run setup\` where none does: it builds the substitutes`,
      };
    }
    return {
      problem: `its substitute ${substitute} is not on this machine (images.source: substitutes); run \`npm run setup\`, which builds the substitutes`,
    };
  }
  return {
    problem:
      `${named} is not on this machine and images.substitutes names no substitute for it, so nothing else is built ` +
      `in its place; pull it where a registry answers (docker pull ${named}), or build a local image that keeps ` +
      `its contract and add '${named}': '<that image>' to images.substitutes in shipshape.config.ts`,
  };
}

function namesImage(from: FromLine): from is FromLine & { image: string } {
  // An empty name (an ARG without a value) is Docker's to refuse, and 1.1/base-image-pinned's to report.
  return from.image !== undefined && from.image !== '' && from.image.toLowerCase() !== 'scratch';
}

/** `line 15 (FROM ${RUNTIME_IMAGE})`: where the Dockerfile names the image. */
function linesOf(base: BaseImageChoice, froms: FromLine[]): string {
  const written = froms.find((from) => from.line + 1 === base.lines[0])?.written ?? base.named;
  return `${base.lines.length > 1 ? 'lines' : 'line'} ${base.lines.join(', ')} (FROM ${written})`;
}

function describeFrom(from: FromLine): string {
  if (from.parent !== undefined) return ' (an earlier stage)';
  return from.image === from.written ? '' : ` -> ${from.image || '(empty)'}`;
}

function substituteTable(images: Pick<ImagesConfig, 'substitutes'>): string {
  const entries = Object.entries(images.substitutes);
  return entries.length === 0 ? '(none)' : entries.map(([named, substitute]) => `${named} -> ${substitute}`).join(', ');
}
