/**
 * Seed task 1.1 read from the files alone: the Dockerfile and .dockerignore
 * of the repository being deployed, parsed with dockerfile-ast (the parser
 * behind VS Code's Docker extension). Each rule is a pure function from the
 * text to a Verdict whose evidence names the line and the instruction, in
 * the manner of hadolint (DL3006/DL3007, DL3008-DL3015, DL3020, DL3025,
 * DL4006, DL3002) and trivy's Dockerfile misconfigurations (DS002, DS026).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  Arg,
  DockerfileParser,
  Env,
  From,
  Healthcheck,
  ModifiableInstruction,
  Run,
  type Instruction,
} from 'dockerfile-ast';
import { failed, passed, type Verdict } from '../../checks/check.ts';
import { credentialShapeIn, redact, secretAssignment } from '../../support/secrets.ts';
import { dockerignoreRules } from '../../support/dockerignore.ts';
import { parseImageReference, resolveFromLines, substitute } from '../../support/dockerfile-from.ts';

export { parseImageReference, substitute } from '../../support/dockerfile-from.ts';

/** The rules read from the repository alone; checks.ts gives each its id, title and hint. */
export const dockerfileRules = [
  'baseImagePinned',
  'aptGetClean',
  'copyNotAdd',
  'execFormCommand',
  'pipefail',
  'noSecretsInDockerfile',
  'dockerfileUserNotRoot',
  'dockerfileHealthcheck',
  'dockerignoreExcludesSecrets',
] as const;

export type DockerfileRule = (typeof dockerfileRules)[number];

export interface DockerfileInput {
  /** The Dockerfile's text. */
  dockerfile: string;
  /** The build context's .dockerignore, or undefined when there is none. */
  dockerignore: string | undefined;
  /** Build arguments the deployment passes (Railway's build-time variables); ARG defaults fill in the rest. */
  buildArgs: Record<string, string>;
}

/** Reads the Dockerfile and .dockerignore of a build context; a missing Dockerfile throws, naming its path. */
export async function readDockerfileInput(
  context: string,
  dockerfile: string,
  buildArgs: Record<string, string>,
): Promise<DockerfileInput> {
  const file = path.resolve(context, dockerfile);
  if (!existsSync(file)) throw new Error(`no Dockerfile at ${file} (target.context + target.dockerfile)`);
  const ignoreFile = path.join(context, '.dockerignore');
  return {
    dockerfile: await readFile(file, 'utf8'),
    dockerignore: existsSync(ignoreFile) ? await readFile(ignoreFile, 'utf8') : undefined,
    buildArgs,
  };
}

/** Every rule's verdict, by rule. */
export function evaluateDockerfile(input: DockerfileInput): Record<DockerfileRule, Verdict> {
  const parsed = parseStages(input.dockerfile, input.buildArgs);
  const verdicts = {} as Record<DockerfileRule, Verdict>;
  for (const rule of dockerfileRules) {
    verdicts[rule] =
      rule === 'dockerignoreExcludesSecrets' ? dockerignoreRule(input.dockerignore) : rules[rule](parsed);
  }
  return verdicts;
}

/** One rule's verdict. */
export function evaluateRule(rule: DockerfileRule, input: DockerfileInput): Verdict {
  if (rule === 'dockerignoreExcludesSecrets') return dockerignoreRule(input.dockerignore);
  return rules[rule](parseStages(input.dockerfile, input.buildArgs));
}

// ---------------------------------------------------------------- parsing

interface Stage {
  from: From;
  /** Lower-cased `AS` name: stage references are case-insensitive. */
  name: string | undefined;
  /** The earlier stage this one starts from, when FROM names one. */
  parent: Stage | undefined;
  /** The image FROM resolves to after ARG substitution, when it is not a stage. */
  image: string | undefined;
  instructions: Instruction[];
}

interface ParsedDockerfile {
  stages: Stage[];
  /** Every instruction, global ARGs before the first FROM included. */
  all: Instruction[];
}

function parseStages(text: string, buildArgs: Record<string, string>): ParsedDockerfile {
  const all = DockerfileParser.parse(text).getInstructions();
  // Which image or stage each FROM names: support/dockerfile-from.ts, shared with the local build.
  const stages: Stage[] = [];
  for (const from of resolveFromLines(text, buildArgs, all)) {
    stages.push({
      from: from.instruction,
      name: from.name,
      parent: from.parent === undefined ? undefined : stages[from.parent],
      image: from.image,
      instructions: [],
    });
  }
  let current = -1;
  for (const instruction of all) {
    if (instruction instanceof From) current += 1;
    else if (current >= 0) stages[current]!.instructions.push(instruction);
  }
  return { stages, all };
}

/** The stage and the stages it starts from, nearest first: what the final image inherits. */
function lineage(stage: Stage): Stage[] {
  const chain: Stage[] = [];
  for (let current: Stage | undefined = stage; current; current = current.parent) chain.push(current);
  return chain;
}

/** The last instruction with this keyword in the final image's lineage, nearest stage first. */
function effective(stage: Stage, keyword: string): Instruction | undefined {
  for (const current of lineage(stage)) {
    const found = current.instructions.filter((instruction) => instruction.getKeyword() === keyword).at(-1);
    if (found) return found;
  }
  return undefined;
}

/** The image the final stage starts from once stages are followed: where its base layers come from. */
export function finalStageBaseImage(dockerfile: string, buildArgs: Record<string, string>): string | undefined {
  const { stages } = parseStages(dockerfile, buildArgs);
  const final = stages.at(-1);
  return final ? lineage(final).at(-1)!.image : undefined;
}

/** `line 7: FROM ${BASE_IMAGE} AS dependencies`, the first line only, no secret values. */
function at(instruction: Instruction): string {
  const first = instruction
    .getTextContent()
    .split('\n')[0]!
    .replace(/\s*\\$/, '')
    .trim();
  const shown = first.length > 120 ? `${first.slice(0, 117)}...` : first;
  return `line ${instruction.getRange().start.line + 1}: ${redact(shown)}`;
}

function noStages(): Verdict {
  return failed('the Dockerfile has no FROM instruction');
}

// ---------------------------------------------------------------- rules

type Rule = (parsed: ParsedDockerfile) => Verdict;

const rules: Record<Exclude<DockerfileRule, 'dockerignoreExcludesSecrets'>, Rule> = {
  baseImagePinned,
  aptGetClean,
  copyNotAdd,
  execFormCommand,
  pipefail,
  noSecretsInDockerfile,
  dockerfileUserNotRoot,
  dockerfileHealthcheck,
};

function baseImagePinned({ stages }: ParsedDockerfile): Verdict {
  if (stages.length === 0) return noStages();
  const problems: string[] = [];
  const pinned: string[] = [];
  for (const stage of stages) {
    if (stage.parent) continue;
    const image = stage.image ?? '';
    const shown = image === stage.from.getImage() ? image : `${image} (after ARG substitution)`;
    if (image === '') {
      problems.push(`${at(stage.from)}: resolves to an empty image name (an ARG without a default?)`);
    } else if (image.toLowerCase() === 'scratch') {
      pinned.push('scratch');
    } else {
      const { tag, digest } = parseImageReference(image);
      if (digest) pinned.push(image);
      else if (!tag) problems.push(`${at(stage.from)}: ${shown} has no tag, so Docker uses latest`);
      else if (tag === 'latest') problems.push(`${at(stage.from)}: ${shown} uses the latest tag`);
      else pinned.push(image);
    }
  }
  if (problems.length > 0) {
    return failed(
      `${problems.length} base image${problems.length > 1 ? 's are' : ' is'} not pinned to a tag or digest`,
      problems.join('\n'),
    );
  }
  return passed(`every base image is pinned: ${pinned.join(', ')}`);
}

// ------------------------------------------------------------ shell text

/**
 * The shell script a RUN executes, or undefined for the exec form (no shell).
 * A heredoc that is the whole RUN is the script; a heredoc fed to a command
 * (cat <<EOF > file) is data, so only the command line counts.
 */
function runScript(run: Instruction): string | undefined {
  const content = run.getArgumentsContent() ?? '';
  if (isJsonArray(content)) return undefined;
  const [first, ...rest] = content.split('\n');
  if (/^\s*<<-?["']?\w+/.test(first!)) {
    const delimiter = /<<-?["']?(\w+)/.exec(first!)![1]!;
    const end = rest.findIndex((line) => line.trim() === delimiter);
    return (end === -1 ? rest : rest.slice(0, end)).join('\n');
  }
  const heredocs = run instanceof Run ? run.getHeredocs() : [];
  return heredocs.length > 0 ? first! : content;
}

function isJsonArray(content: string): boolean {
  const trimmed = content.trim();
  if (!trimmed.startsWith('[')) return false;
  try {
    const value: unknown = JSON.parse(trimmed);
    return Array.isArray(value) && value.every((item) => typeof item === 'string');
  } catch {
    return false;
  }
}

/** Offsets of pipe operators: `|` and `|&`, not `||`, not inside quotes or comments. */
export function pipeOffsets(script: string): number[] {
  const pipes: number[] = [];
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < script.length; i++) {
    const char = script[i]!;
    if (quote === "'") {
      if (char === "'") quote = undefined;
    } else if (char === '\\') {
      i++;
    } else if (quote === '"') {
      if (char === '"') quote = undefined;
    } else if (char === '"' || char === "'") {
      quote = char;
    } else if (char === '#' && (i === 0 || /[\s;&|()]/.test(script[i - 1]!))) {
      const newline = script.indexOf('\n', i);
      i = newline === -1 ? script.length : newline;
    } else if (char === '|') {
      if (script[i + 1] === '|') i++;
      else pipes.push(i);
    }
  }
  return pipes;
}

/** Simple commands of a script, split at &&, ||, ;, | and newlines (quotes are not honoured: a rough cut). */
function commands(script: string): string[] {
  return script
    .split(/&&|\|\||;|\||\n/)
    .map((command) => command.trim())
    .filter(Boolean);
}

// ------------------------------------------------------------------ apt

const aptInstall = /(^|\s|\/)(apt-get|apt)\s+((-\S+|\S+=\S+)\s+)*install(\s|$)/;
const aptUpdate = /(^|\s|\/)(apt-get|apt)\s+((-\S+|\S+=\S+)\s+)*update(\s|$)/;
const plainApt = /(^|\s|\/)apt\s+((-\S+|\S+=\S+)\s+)*(install|update|upgrade|dist-upgrade)(\s|$)/;
const noRecommends = /--no-install-recommends|APT::Install-Recommends\s*=\s*["']?(false|0)/i;
const removesLists = /\brm\s+(-\S+\s+)*\S*\/var\/lib\/apt\/lists/;

/** A cache or tmpfs mount over the apt lists keeps them out of the layer (BuildKit). */
function mountsAptLists(run: Instruction): boolean {
  const mounts = run instanceof Run ? run.getFlags().filter((flag) => flag.getName() === 'mount') : [];
  return mounts.some((flag) => /target=\/var\/lib\/apt(\/lists)?\/?(,|$)/.test(flag.getValue() ?? ''));
}

function aptGetClean({ stages }: ParsedDockerfile): Verdict {
  if (stages.length === 0) return noStages();
  // Lists left in a builder stage never reach the image; only the final lineage ships.
  const shipped = new Set(lineage(stages.at(-1)!));
  const problems: string[] = [];
  let installs = 0;
  for (const stage of stages) {
    for (const run of stage.instructions.filter((instruction) => instruction.getKeyword() === 'RUN')) {
      const script = runScript(run);
      if (script === undefined) continue;
      const parts = commands(script);
      if (parts.some((part) => plainApt.test(part))) {
        problems.push(`${at(run)}: uses apt, whose command line is not stable for scripts; use apt-get`);
      }
      for (const part of parts.filter((command) => aptInstall.test(command))) {
        installs++;
        if (!noRecommends.test(part)) {
          problems.push(`${at(run)}: apt-get install without --no-install-recommends pulls in unneeded packages`);
        }
      }
      // update is what downloads the lists: they must go in the layer that fetched them.
      const fetchesLists = parts.some((command) => aptUpdate.test(command));
      if (fetchesLists && shipped.has(stage) && !removesLists.test(script) && !mountsAptLists(run)) {
        problems.push(
          `${at(run)}: does not rm -rf /var/lib/apt/lists/* in the same RUN, so the lists stay in the layer`,
        );
      }
    }
  }
  if (problems.length > 0)
    return failed(`apt-get is used wastefully (${problems.length} finding(s))`, problems.join('\n'));
  return passed(installs === 0 ? 'no apt-get install in the Dockerfile' : `${installs} apt-get install(s), all clean`);
}

// ------------------------------------------------------------------ ADD

const localArchive = /\.(tar|tar\.gz|tgz|tar\.bz2|tbz2?|tar\.xz|txz|tar\.zst)$/i;
const remoteSource = /^(https?:\/\/|git@|git:\/\/|ssh:\/\/)/i;

function copyNotAdd({ all }: ParsedDockerfile): Verdict {
  const adds = all.filter((instruction) => instruction.getKeyword() === 'ADD');
  const problems: string[] = [];
  for (const add of adds) {
    const flags = add instanceof ModifiableInstruction ? add.getFlags() : [];
    const hasChecksum = flags.some((flag) => flag.getName() === 'checksum');
    const args = add.getArguments().map((argument) => argument.getValue());
    const sources = args.slice(0, -1);
    if (sources.length === 0 || sources.some((source) => source.startsWith('<<'))) {
      problems.push(`${at(add)}: inline content is what COPY <<EOF does`);
      continue;
    }
    for (const source of sources) {
      if (remoteSource.test(source)) {
        if (!hasChecksum)
          problems.push(`${at(add)}: downloads ${source} unverified; use ADD --checksum or curl + sha256sum`);
      } else if (!localArchive.test(source)) {
        problems.push(`${at(add)}: ADD of the local path ${source}; COPY does this without ADD's implicit extraction`);
      }
    }
  }
  if (problems.length > 0) return failed(`ADD where COPY belongs (${problems.length} finding(s))`, problems.join('\n'));
  if (adds.length === 0) return passed('no ADD instruction; files come in with COPY');
  return passed(`ADD only for local archives or checksum-verified downloads (${adds.length})`);
}

// ------------------------------------------------------------ exec form

function execFormCommand({ stages }: ParsedDockerfile): Verdict {
  const final = stages.at(-1);
  if (!final) return noStages();
  const found = ['ENTRYPOINT', 'CMD']
    .map((keyword) => effective(final, keyword))
    .filter((instruction): instruction is Instruction => instruction !== undefined);
  if (found.length === 0) {
    return failed(
      'the final stage has no CMD or ENTRYPOINT, so the image runs whatever its base image starts',
      `final stage: ${at(final.from)}`,
    );
  }
  const problems: string[] = [];
  for (const instruction of found) {
    const content = (instruction.getArgumentsContent() ?? '').trim();
    if (isJsonArray(content)) continue;
    problems.push(
      content.startsWith('[')
        ? `${at(instruction)}: not valid JSON (single quotes?), so Docker runs it through /bin/sh -c`
        : `${at(instruction)}: shell form, so /bin/sh -c is PID 1 and the app does not receive SIGTERM`,
    );
  }
  if (problems.length > 0) return failed('the container is started in shell form', problems.join('\n'));
  return passed(`exec form: ${found.map((instruction) => at(instruction)).join('; ')}`);
}

// ------------------------------------------------------------- pipefail

/** `SHELL [...]` with `-o pipefail` (or -eo pipefail, -euxo pipefail); non-POSIX shells are out of scope. */
function shellSetsPipefail(shell: Instruction): boolean | 'not-posix' {
  let words: string[] = [];
  try {
    words = JSON.parse(shell.getArgumentsContent() ?? '[]') as string[];
  } catch {
    return false;
  }
  if (/(pwsh|powershell|cmd)(\.exe)?$/i.test(words[0] ?? '')) return 'not-posix';
  return words.some((word, index) => /^-[a-zA-Z]*o$/.test(word) && words[index + 1] === 'pipefail');
}

const setPipefail = /\bset\b[^;&|\n]*-[a-zA-Z]*o\s+pipefail/;

function pipefail({ stages }: ParsedDockerfile): Verdict {
  if (stages.length === 0) return noStages();
  const problems: string[] = [];
  let piping = 0;
  for (const stage of stages) {
    // SHELL is image configuration: a stage built FROM another inherits it.
    let shell: Instruction | undefined;
    for (const ancestor of lineage(stage).slice(1)) {
      shell ??= ancestor.instructions.filter((instruction) => instruction.getKeyword() === 'SHELL').at(-1);
    }
    for (const instruction of stage.instructions) {
      if (instruction.getKeyword() === 'SHELL') shell = instruction;
      if (instruction.getKeyword() !== 'RUN') continue;
      const script = runScript(instruction);
      const pipes = script === undefined ? [] : pipeOffsets(script);
      if (pipes.length === 0) continue;
      piping++;
      const shellState = shell ? shellSetsPipefail(shell) : false;
      if (shellState !== false) continue;
      if (setPipefail.test(script!.slice(0, pipes[0]))) continue;
      problems.push(`${at(instruction)}: pipes without pipefail, so only the last command's failure fails the build`);
    }
  }
  if (problems.length > 0) {
    return failed(`${problems.length} RUN(s) pipe without set -o pipefail`, problems.join('\n'));
  }
  return passed(piping === 0 ? 'no RUN pipes' : `${piping} piping RUN(s), each with pipefail`);
}

// -------------------------------------------------------------- secrets

function noSecretsInDockerfile({ all }: ParsedDockerfile): Verdict {
  const problems: string[] = [];
  for (const instruction of all) {
    if (instruction instanceof Arg || instruction instanceof Env) {
      const properties = instruction instanceof Arg ? [instruction.getProperty()] : instruction.getProperties();
      for (const property of properties) {
        if (!property) continue;
        const why = secretAssignment(property.getName(), property.getValue());
        // The line itself would print the value: name the variable only.
        const where = `line ${instruction.getRange().start.line + 1}`;
        if (why) problems.push(`${where}: ${instruction.getKeyword()} ${property.getName()} has ${why}`);
      }
    } else {
      const shape = credentialShapeIn(instruction.getTextContent());
      if (shape) problems.push(`${at(instruction)}: contains ${shape}`);
    }
  }
  if (problems.length > 0) {
    return failed(`the Dockerfile carries ${problems.length} secret-looking value(s)`, problems.join('\n'));
  }
  return passed('no secret-looking ARG, ENV or value in the Dockerfile');
}

// ----------------------------------------------------------------- USER

function dockerfileUserNotRoot({ stages }: ParsedDockerfile): Verdict {
  const final = stages.at(-1);
  if (!final) return noStages();
  const user = effective(final, 'USER');
  if (!user) {
    return failed(
      'the final stage has no USER, so the container runs as root unless its base image says otherwise',
      `final stage: ${at(final.from)}`,
    );
  }
  const variables = stageVariables(final);
  const value = substitute(user.getArgumentsContent() ?? '', variables).trim();
  const name = value.split(':')[0]!;
  if (name === '') return failed('the last USER resolves to an empty user, which Docker treats as root', at(user));
  if (name === 'root' || /^0+$/.test(name)) return failed(`the last USER is ${value}`, at(user));
  return passed(`runs as ${value} (${at(user)})`);
}

/** ARG defaults and ENV values visible in a stage's lineage, for USER ${APP_USER}. */
function stageVariables(stage: Stage): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const current of lineage(stage).reverse()) {
    for (const instruction of current.instructions) {
      const properties =
        instruction instanceof Arg
          ? [instruction.getProperty()]
          : instruction instanceof Env
            ? instruction.getProperties()
            : [];
      for (const property of properties) {
        if (property) variables[property.getName()] = property.getValue() ?? variables[property.getName()] ?? '';
      }
    }
  }
  return variables;
}

// ---------------------------------------------------------- HEALTHCHECK

function dockerfileHealthcheck({ stages }: ParsedDockerfile): Verdict {
  const final = stages.at(-1);
  if (!final) return noStages();
  const healthcheck = effective(final, 'HEALTHCHECK');
  if (!healthcheck) {
    return failed(
      'the final stage has no HEALTHCHECK, so nothing tells a stuck container from a healthy one',
      `final stage: ${at(final.from)}`,
    );
  }
  const subcommand =
    healthcheck instanceof Healthcheck ? healthcheck.getSubcommand()?.getValue().toUpperCase() : undefined;
  if (subcommand === 'NONE') return failed('the final HEALTHCHECK is NONE, which disables it', at(healthcheck));
  if (subcommand !== 'CMD') return failed('the final HEALTHCHECK has no CMD', at(healthcheck));
  return passed(at(healthcheck));
}

// --------------------------------------------------------- .dockerignore

/** Paths a build context must not send, and why: asked of the ignore rules, not string-matched. */
const mustBeIgnored: [string, string][] = [
  ['.env', 'a .env file'],
  ['.env.production', 'a .env.* file'],
  ['backend/.env', 'a .env file in a subdirectory'],
  ['backend/.env.local', 'a .env.* file in a subdirectory'],
  ['.git/config', 'the git history'],
  ['keys/server.pem', 'a private key, *.pem'],
  ['keys/server.key', 'a private key, *.key'],
  ['.ssh/id_rsa', 'an SSH private key'],
  ['node_modules/x', 'host-installed node_modules'],
  ['backend/node_modules/x', 'host-installed node_modules in a subdirectory'],
];

function dockerignoreRule(text: string | undefined): Verdict {
  if (text === undefined) {
    return failed(
      'the build context has no .dockerignore, so .env files, .git and keys are sent to the builder',
      mustBeIgnored.map(([sample, what]) => `${sample} would be sent: ${what}`).join('\n'),
    );
  }
  // Docker matches .dockerignore case-sensitively on Linux.
  const rules = dockerignoreRules(text);
  const sent = mustBeIgnored.filter(([sample]) => !rules.ignores(sample));
  if (sent.length > 0) {
    return failed(
      `.dockerignore lets ${sent.length} kind(s) of secret or host file into the build context`,
      sent.map(([sample, what]) => `${sample} is not ignored: ${what}`).join('\n'),
    );
  }
  return passed(`.dockerignore excludes ${mustBeIgnored.map(([sample]) => sample).join(', ')}`);
}
