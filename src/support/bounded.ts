/**
 * Docker calls that may block (this engine blocks on stopping or removing a
 * paused container, and on a frozen cgroup) get a deadline: a teardown that
 * waits forever loses the run's verdict and leaves a machine frozen.
 */
import { writeFile } from 'node:fs/promises';
import type Dockerode from 'dockerode';

export class DeadlineExceeded extends Error {
  override name = 'DeadlineExceeded';
}

/** Resolves with `work`, or rejects with DeadlineExceeded after `ms`; the timer never keeps the process alive. */
export async function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceeded(`${what} did not finish within ${ms} ms`)), ms);
    timer.unref();
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Where the kernel keeps a container's freezer state: cgroup v1 (cgroupfs driver), then v2. */
function freezerFiles(id: string): { file: string; thawed: string }[] {
  return [
    { file: `/sys/fs/cgroup/freezer/docker/${id}/freezer.state`, thawed: 'THAWED' },
    { file: `/sys/fs/cgroup/docker/${id}/cgroup.freeze`, thawed: '0' },
    { file: `/sys/fs/cgroup/system.slice/docker-${id}.scope/cgroup.freeze`, thawed: '0' },
  ];
}

/** Thaws a frozen container through its cgroup, for when `docker unpause` itself hangs. */
async function thawCgroup(id: string): Promise<boolean> {
  for (const { file, thawed } of freezerFiles(id)) {
    try {
      await writeFile(file, thawed);
      return true;
    } catch {
      // not this cgroup layout, or not root
    }
  }
  return false;
}

/**
 * Unpauses a container if it is paused: through Docker, and if Docker does
 * not answer within `ms`, by thawing its cgroup and asking Docker again.
 * Returns what it did, for the report.
 */
export async function unpauseIfPaused(container: Dockerode.Container, ms = 10_000): Promise<string | undefined> {
  const state = (await withDeadline(container.inspect(), ms, 'docker inspect')).State;
  if (!state.Paused) return undefined;
  try {
    await withDeadline(container.unpause(), ms, 'docker unpause');
    return 'unpaused';
  } catch (error) {
    if (!(error instanceof DeadlineExceeded)) throw error;
    if (!(await thawCgroup(container.id))) throw error;
    await withDeadline(container.unpause(), ms, 'docker unpause after thawing the cgroup').catch(() => undefined);
    return 'thawed through its cgroup (docker unpause hung)';
  }
}

/**
 * Pauses a container within `ms`. A pause that does not return (an exec caught
 * in the freezing cgroup) is undone by thawing the cgroup, and reported.
 */
export async function pauseBounded(container: Dockerode.Container, ms = 15_000): Promise<void> {
  try {
    await withDeadline(container.pause(), ms, 'docker pause');
  } catch (error) {
    if (!(error instanceof DeadlineExceeded)) throw error;
    const thawed = await thawCgroup(container.id);
    throw new Error(
      `docker pause did not return within ${ms} ms` +
        (thawed ? '; the container was thawed through its cgroup' : ' and its cgroup could not be thawed'),
      { cause: error },
    );
  }
}
