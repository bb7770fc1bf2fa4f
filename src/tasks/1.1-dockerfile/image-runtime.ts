/**
 * Seed task 1.1, steps 1 and 2, asked of the built image itself: short-lived
 * containers with the entrypoint overridden run `node --version`, or
 * `python3 --version`, `dpkg-query` per system package and `python3 -c
 * "import …"` per module. Each answer is one line of evidence, so a missing
 * piece is named, not inferred.
 */
import { failed, passed, type Verdict } from '../../checks/check.ts';
import { getContainerRuntimeClient } from 'testcontainers';
import { runLabels } from '../../support/run-resources.ts';
import type { RuntimeSpec } from '../../config/profiles.ts';

export interface CommandResult {
  exitCode: number | undefined;
  output: string;
  /** Why the command did not run at all (no such executable, timed out). */
  error?: string;
}

/**
 * Runs one command in a fresh container of the image, no network, the
 * image's own user, and removes the container whatever happens.
 */
export async function runInImage(
  image: string,
  command: readonly string[],
  runId: string,
  timeoutMs = 30_000,
): Promise<CommandResult> {
  const docker = (await getContainerRuntimeClient()).container.dockerode;
  const container = await docker.createContainer({
    Image: image,
    Entrypoint: [command[0]!],
    Cmd: command.slice(1),
    Labels: runLabels(runId),
    NetworkDisabled: true,
    HostConfig: { NetworkMode: 'none' },
  });
  try {
    try {
      await container.start();
    } catch (error) {
      return { exitCode: undefined, output: '', error: dockerMessage(error) };
    }
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      container.wait() as Promise<{ StatusCode: number }>,
      new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs))),
    ]).finally(() => clearTimeout(timer));
    const output = demux(await container.logs({ stdout: true, stderr: true, follow: false }));
    if (outcome === 'timeout') return { exitCode: undefined, output, error: `still running after ${timeoutMs} ms` };
    return { exitCode: outcome.StatusCode, output };
  } finally {
    await container.remove({ force: true, v: true }).catch(() => undefined);
  }
}

/** The message of a Docker API error, without the HTTP preamble dockerode adds. */
function dockerMessage(error: unknown): string {
  const json = (error as { json?: { message?: string } }).json;
  const message = json?.message ?? (error instanceof Error ? error.message : String(error));
  return message.replace(/^\(HTTP code \d+\) [^-]*- /, '').trim();
}

/** Docker's log framing for a container without a TTY: 8-byte headers, then the payload. */
function demux(buffer: Buffer): string {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const size = buffer.readUInt32BE(offset + 4);
    parts.push(buffer.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8').trim();
}

interface Piece {
  /** The command, as evidence shows it. */
  label: string;
  command: string[];
  /** undefined when the piece is there; else what is wrong. */
  judge: (result: CommandResult) => string | undefined;
  /** What the evidence line says when the piece is there. */
  describe: (result: CommandResult) => string;
}

function firstLine(result: CommandResult): string {
  return result.error ?? (result.output.split('\n')[0] || `exit ${result.exitCode}, no output`);
}

function piecesOf(runtime: RuntimeSpec): Piece[] {
  if (runtime.kind === 'node') {
    return [
      {
        label: 'node --version',
        command: ['node', '--version'],
        judge: (result) => {
          if (result.error || result.exitCode !== 0) return `did not run: ${firstLine(result)}`;
          const major = /^v(\d+)\./.exec(result.output)?.[1];
          return major === String(runtime.major) ? undefined : `${result.output}, want major ${runtime.major}`;
        },
        describe: (result) => `${result.output} (major ${runtime.major})`,
      },
    ];
  }
  return [
    {
      label: 'python3 --version',
      command: ['python3', '--version'],
      judge: (result) => {
        if (result.error || result.exitCode !== 0) return `did not run: ${firstLine(result)}`;
        const version = result.output.replace(/^Python\s+/, '');
        return version === runtime.version || version.startsWith(`${runtime.version}.`)
          ? undefined
          : `${result.output}, want ${runtime.version}`;
      },
      describe: (result) => result.output,
    },
    ...runtime.systemPackages.map((name): Piece => ({
      label: `dpkg-query ${name}`,
      command: ['dpkg-query', '-W', '-f=${Status}', name],
      judge: (result) =>
        result.exitCode === 0 && result.output.endsWith('install ok installed')
          ? undefined
          : `not installed: ${firstLine(result)}`,
      describe: () => 'installed',
    })),
    ...runtime.modules.map((name): Piece => ({
      label: `python3 -c "import ${name}"`,
      command: ['python3', '-c', `import ${name}`],
      judge: (result) =>
        result.exitCode === 0 ? undefined : `fails: ${result.output.split('\n').at(-1) || firstLine(result)}`,
      describe: () => 'imports',
    })),
  ];
}

/** Every runtime piece the profile names is in the image; one evidence line per piece. */
export async function probeRuntime(image: string, runtime: RuntimeSpec, runId: string): Promise<Verdict> {
  const lines: string[] = [];
  const missing: string[] = [];
  for (const piece of piecesOf(runtime)) {
    const result = await runInImage(image, piece.command, runId);
    const problem = piece.judge(result);
    if (problem) missing.push(piece.label);
    lines.push(problem ? `missing  ${piece.label}: ${problem}` : `ok       ${piece.label}: ${piece.describe(result)}`);
  }
  if (missing.length > 0) {
    return failed(`the image lacks ${missing.length} runtime piece(s): ${missing.join(', ')}`, lines.join('\n'));
  }
  return passed(lines.map((line) => line.replace(/^ok\s+/, '')).join('; '));
}
