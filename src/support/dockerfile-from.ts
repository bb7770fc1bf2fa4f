/**
 * Which image each FROM of a Dockerfile names, as Docker resolves it: global
 * ARGs (those before the first FROM) with the build arguments over their
 * defaults, then variable substitution, and a FROM naming an earlier stage is
 * that stage rather than an image. Pure: the 1.1 rules read it to judge the
 * Dockerfile, the local environment to choose what to build from.
 */
import { Arg, DockerfileParser, From, type Instruction } from 'dockerfile-ast';

export interface FromLine {
  instruction: From;
  /** 0-based line of the FROM keyword. */
  line: number;
  /** The image text as written, before ARG substitution: `${BASE_IMAGE}`. */
  written: string;
  /** Lower-cased `AS` name: stage references are case-insensitive. */
  name: string | undefined;
  /** Index (in the returned list) of the earlier stage this FROM names, when it names one. */
  parent: number | undefined;
  /** The image after ARG substitution, when it is not a stage ('' when it resolves to nothing). */
  image: string | undefined;
}

/** Every FROM of the Dockerfile, in order; `instructions` when the caller parsed it already. */
export function resolveFromLines(
  text: string,
  buildArgs: Record<string, string>,
  instructions: Instruction[] = DockerfileParser.parse(text).getInstructions(),
): FromLine[] {
  const lines: FromLine[] = [];
  const globals = globalArgs(instructions, buildArgs);
  for (const instruction of instructions) {
    if (!(instruction instanceof From)) continue;
    const written = instruction.getImage() ?? '';
    const reference = substitute(written, globals);
    const name = instruction.getBuildStage()?.toLowerCase() ?? undefined;
    const parent = lines.findIndex((line) => line.name !== undefined && line.name === reference.toLowerCase());
    lines.push({
      instruction,
      line: instruction.getRange().start.line,
      written,
      name,
      parent: parent >= 0 ? parent : undefined,
      image: parent >= 0 ? undefined : reference,
    });
  }
  return lines;
}

/**
 * The ARGs declared before the first FROM, the only ones a FROM sees: a build
 * argument replaces the default; a default may use the ARGs declared before it.
 */
export function globalArgs(instructions: Instruction[], buildArgs: Record<string, string>): Record<string, string> {
  const globals: Record<string, string> = {};
  for (const instruction of instructions) {
    if (instruction instanceof From) break;
    if (!(instruction instanceof Arg)) continue;
    for (const property of instruction.getProperties()) {
      const name = property.getName();
      const value = property.getValue();
      globals[name] = buildArgs[name] ?? (value === null ? '' : substitute(value, globals));
    }
  }
  return globals;
}

/** Names of the ARGs declared before the first FROM. */
export function declaredGlobalArgs(text: string): string[] {
  return Object.keys(globalArgs(DockerfileParser.parse(text).getInstructions(), {}));
}

/** Docker's variable substitution: $NAME, ${NAME}, ${NAME:-word}, ${NAME:+word}; unset is empty. */
export function substitute(text: string, variables: Record<string, string>): string {
  return text.replace(
    /\\\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?([-+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (match, braced: string | undefined, operator: string | undefined, word: string | undefined, bare?: string) => {
      if (match === '\\$') return '$';
      const value = variables[(braced ?? bare)!];
      if (operator === '-') return value ? value : (word ?? '');
      if (operator === '+') return value ? (word ?? '') : '';
      return value ?? '';
    },
  );
}

/** The one variable a FROM's image text consists of (`${BASE_IMAGE}` or `$BASE_IMAGE`), if it is only that. */
export function soleVariable(written: string): string | undefined {
  return /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))$/.exec(written)?.slice(1).find(Boolean);
}

/** An image reference split as Docker does: the tag follows the last colon after the last slash. */
export function parseImageReference(reference: string): { name: string; tag?: string; digest?: string } {
  const [nameAndTag, digest] = reference.split('@', 2) as [string, string | undefined];
  const slash = nameAndTag.lastIndexOf('/');
  const colon = nameAndTag.lastIndexOf(':');
  const name = colon > slash ? nameAndTag.slice(0, colon) : nameAndTag;
  const tag = colon > slash ? nameAndTag.slice(colon + 1) : undefined;
  return { name, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/**
 * One spelling per image on Docker Hub, for comparing references:
 * `docker.io/library/python:3.11-slim` and `python:3.11-slim` are the same
 * image, and `python` is `python:latest`.
 */
export function canonicalImageReference(reference: string): string {
  const { name, tag, digest } = parseImageReference(reference.trim());
  let short = name.replace(/^(?:docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, '');
  if (short.startsWith('library/') && short.split('/').length === 2) short = short.slice('library/'.length);
  const withTag = tag || !digest ? `${short}:${tag ?? 'latest'}` : short;
  return digest ? `${withTag}@${digest}` : withTag;
}

/**
 * The Dockerfile's text with the image of some FROM lines replaced, every
 * other character (comments, parser directives, flags, `AS` names, line
 * breaks) left as written, so line numbers stay those of the original.
 */
export function replaceFromImages(text: string, replacements: ReadonlyMap<From, string>): string {
  const lineStarts = [0];
  for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', index + 1)) lineStarts.push(index + 1);
  const offset = (position: { line: number; character: number }) => lineStarts[position.line]! + position.character;
  const edits = [...replacements]
    .flatMap(([from, image]) => {
      const range = from.getImageRange();
      return range ? [{ range, image }] : [];
    })
    .sort((a, b) => offset(b.range.start) - offset(a.range.start));
  let result = text;
  for (const { range, image } of edits) {
    result = result.slice(0, offset(range.start)) + image + result.slice(offset(range.end));
  }
  return result;
}
