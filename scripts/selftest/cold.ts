/**
 * `--cold`: the state of a new machine's first run, reproduced before run 1.
 * The Docker engine is restarted the way `npm run setup` starts it, the page
 * cache is dropped (root only) and the target image is removed, so run 1
 * pays for the engine's first start, cold disk reads and the image build.
 *
 * Restarting the engine stops every container on it. A container left
 * paused by an earlier run is unpaused first: this engine blocks on stopping
 * a paused container. A harness run still going on this machine would be
 * broken by the restart, so the restart waits for it (bounded) instead.
 */
import { execFile, spawn } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { ColdStep } from './flaky-report.ts';
import { duration } from './stats.ts';

const run = promisify(execFile);

export const dockerdLog = '/var/log/shipshape-dockerd.log';

/** Commands of runs that use the engine: the harness, `npm run fault`, a self-test, Vitest. */
export function usesTheEngine(commandLine: string): boolean {
  return /scripts\/(run|run-fault|selftest\/flaky|selftest\/faults)\.ts\b|\bvitest\b/.test(commandLine);
}

async function docker(args: string[], timeoutMs = 20_000): Promise<string> {
  const { stdout } = await run('docker', args, { timeout: timeoutMs, encoding: 'utf8' });
  return stdout.trim();
}

export async function dockerAnswers(): Promise<boolean> {
  try {
    await docker(['info', '--format', '{{.ServerVersion}}'], 10_000);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(condition: () => Promise<boolean>, timeoutMs: number, intervalMs = 500): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

interface ProcessInfo {
  pid: number;
  ppid: number;
  state: string;
  comm: string;
  commandLine: string;
}

async function readProcess(pid: number): Promise<ProcessInfo | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // comm is in parentheses and may hold spaces; the fields after it are space-separated.
    const close = stat.lastIndexOf(')');
    const [state = '', ppid = '0'] = stat.slice(close + 2).split(' ');
    const commandLine = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).replaceAll('\0', ' ').trim();
    return { pid, ppid: Number(ppid), state, comm: stat.slice(stat.indexOf('(') + 1, close), commandLine };
  } catch {
    return undefined;
  }
}

async function allProcesses(): Promise<ProcessInfo[]> {
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name)).map(Number);
  return (await Promise.all(pids.map(readProcess))).filter((info): info is ProcessInfo => info !== undefined);
}

/** Processes of other runs that use the engine: not this process, nor the npm and shell that started it. */
async function otherEngineUsers(): Promise<ProcessInfo[]> {
  const processes = await allProcesses();
  const ours = new Set<number>();
  for (let pid = process.pid; pid > 1 && !ours.has(pid);) {
    ours.add(pid);
    pid = processes.find((info) => info.pid === pid)?.ppid ?? 0;
  }
  return processes.filter((info) => !ours.has(info.pid) && info.state !== 'Z' && usesTheEngine(info.commandLine));
}

async function alive(pid: number): Promise<boolean> {
  const info = await readProcess(pid);
  // A zombie has exited; its parent just has not collected it.
  return info !== undefined && info.state !== 'Z';
}

async function findDockerd(): Promise<number | undefined> {
  try {
    const pid = Number((await readFile('/var/run/docker.pid', 'utf8')).trim());
    if ((await readProcess(pid))?.comm === 'dockerd' && (await alive(pid))) return pid;
  } catch {
    // No pid file: look for the process.
  }
  return (await allProcesses()).find((info) => info.comm === 'dockerd' && info.state !== 'Z')?.pid;
}

export interface ColdOptions {
  /** `shipshape-target/<target name>:latest`. */
  targetImage: string;
  log: (line: string) => void;
  /** How long to wait for other runs on this machine to end before giving up. */
  busyWaitMs?: number;
}

type Outcome = Omit<ColdStep, 'step' | 'ms'>;

/** Runs the steps in order and stops at the first that fails (the last step returned then says why). */
export async function coldStart(options: ColdOptions): Promise<ColdStep[]> {
  const plan: [string, () => Promise<Outcome>][] = [
    ['wait for other runs on this engine', () => waitForOtherRuns(options)],
    ['unpause paused containers', unpausePaused],
    ['restart dockerd', restartDockerd],
    ['drop the page cache', dropPageCache],
    [`remove ${options.targetImage}`, () => removeImage(options.targetImage)],
  ];
  const steps: ColdStep[] = [];
  for (const [name, work] of plan) {
    const started = Date.now();
    options.log(`cold: ${name}...`);
    let outcome: Outcome;
    try {
      outcome = await work();
    } catch (error) {
      outcome = { status: 'failed', detail: (error as Error).message };
    }
    const record = { step: name, ...outcome, ms: Date.now() - started };
    steps.push(record);
    options.log(`cold: ${name}: ${record.status} in ${duration(record.ms)}: ${record.detail}`);
    if (record.status === 'failed') break;
  }
  return steps;
}

const isRoot = () => process.getuid?.() === 0;

/** How long no other run must be seen before the engine counts as free, once one was seen. */
const quietMs = 20_000;

async function waitForOtherRuns(options: ColdOptions): Promise<Outcome> {
  const waitMs = options.busyWaitMs ?? 10 * 60_000;
  let first: ProcessInfo[] = [];
  let announced = 0;
  let quietSince: number | undefined;
  const idle = await waitUntil(
    async () => {
      const users = await otherEngineUsers();
      if (first.length === 0) first = users;
      if (users.length > 0 && Date.now() - announced > 60_000) {
        announced = Date.now();
        options.log(`cold: waiting for ${users.length} process(es) using the engine: ${describe(users)}`);
      }
      // A gap between two commands of someone's sequence is not the end of it: wait for a quiet spell.
      if (users.length > 0) quietSince = undefined;
      else quietSince ??= Date.now();
      return first.length === 0 || (quietSince !== undefined && Date.now() - quietSince >= quietMs);
    },
    waitMs,
    2_500,
  );
  if (!idle) {
    throw new Error(
      `other runs still use the Docker engine after ${duration(waitMs)} (${describe(await otherEngineUsers())}); ` +
        'restarting it would break them. Run --cold when they are done, or without --cold',
    );
  }
  if (first.length === 0) return { status: 'done', detail: 'no other run' };
  return {
    status: 'done',
    detail: `waited for ${first.length} process(es) to end, among them ${describe(first.slice(0, 2))}`,
  };
}

async function unpausePaused(): Promise<Outcome> {
  const paused = (await docker(['ps', '-q', '--filter', 'status=paused'])).split('\n').filter(Boolean);
  if (paused.length === 0) return { status: 'done', detail: 'none paused' };
  await docker(['unpause', ...paused], 60_000);
  return { status: 'done', detail: `unpaused ${paused.length}: ${paused.join(', ')}` };
}

async function restartDockerd(): Promise<Outcome> {
  if (!isRoot()) return { status: 'skipped', detail: 'not root: the engine was not restarted (needs root)' };
  const pid = await findDockerd();
  if (pid === undefined) {
    return {
      status: 'skipped',
      detail: 'no dockerd process on this machine (the engine runs elsewhere): not restarted',
    };
  }
  const running = (await docker(['ps', '-q'])).split('\n').filter(Boolean).length;
  const stopStarted = Date.now();
  process.kill(pid, 'SIGTERM');
  if (!(await waitUntil(async () => !(await dockerAnswers()), 120_000))) {
    throw new Error(`dockerd (pid ${pid}) still answers 120 s after SIGTERM`);
  }
  if (!(await waitUntil(async () => !(await alive(pid)), 120_000))) {
    throw new Error(`dockerd (pid ${pid}) stopped answering but has not exited after 120 s`);
  }
  const stopMs = Date.now() - stopStarted;
  // As scripts/setup.sh starts it: its own session, so it outlives this process; appended to setup's log.
  const startStarted = Date.now();
  await new Promise<void>((resolve, reject) => {
    const starter = spawn('bash', ['-c', `setsid nohup dockerd >>${dockerdLog} 2>&1 </dev/null &`], {
      stdio: 'ignore',
    });
    starter.on('error', reject);
    starter.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`starting dockerd exited ${code}`))));
  });
  if (!(await waitUntil(dockerAnswers, 60_000))) {
    throw new Error(`dockerd did not answer within 60 s of starting; see ${dockerdLog}`);
  }
  return {
    status: 'done',
    detail:
      `stopped pid ${pid} in ${duration(stopMs)} (${running} container(s) were running), ` +
      `started pid ${(await findDockerd()) ?? '?'}, answering after ${duration(Date.now() - startStarted)}`,
  };
}

async function dropPageCache(): Promise<Outcome> {
  if (!isRoot()) return { status: 'skipped', detail: 'not root: the page cache was not dropped (needs root)' };
  await run('sync');
  try {
    await writeFile('/proc/sys/vm/drop_caches', '3\n');
  } catch (error) {
    return { status: 'skipped', detail: `could not write /proc/sys/vm/drop_caches: ${(error as Error).message}` };
  }
  return { status: 'done', detail: 'sync; echo 3 > /proc/sys/vm/drop_caches' };
}

async function removeImage(image: string): Promise<Outcome> {
  let otherTags: string[];
  try {
    const tags = JSON.parse(await docker(['image', 'inspect', '--format', '{{json .RepoTags}}', image])) as string[];
    otherTags = tags.filter((tag) => tag !== image);
  } catch {
    return { status: 'done', detail: 'not present' };
  }
  // --force: a container the restart stopped may still use it; the tag goes either way.
  const output = await docker(['image', 'rm', '--force', image], 120_000);
  const deleted = output.split('\n').filter((line) => line.startsWith('Deleted:')).length;
  return {
    status: 'done',
    detail:
      deleted > 0
        ? `removed (${deleted} layer(s) deleted)`
        : `untagged; its layers stay, held by ${otherTags.length > 0 ? otherTags.join(', ') : 'a container or a child image'}`,
  };
}

function describe(processes: readonly ProcessInfo[]): string {
  return processes
    .slice(0, 4)
    .map((info) => `pid ${info.pid} \`${info.commandLine.slice(0, 80)}\``)
    .concat(processes.length > 4 ? [`${processes.length - 4} more`] : [])
    .join(', ');
}
