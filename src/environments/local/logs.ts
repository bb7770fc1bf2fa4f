/**
 * The output of the target and each dependency, saved into the report before
 * anything is stopped (a teardown that hangs must not lose them), with every
 * secret value masked. A paused container is unpaused first: its log would
 * otherwise be read from a frozen process, and this engine may block on it.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { getContainerRuntimeClient } from 'testcontainers';
import { unpauseIfPaused, withDeadline } from '../../support/bounded.ts';
import { demuxDockerLog } from '../../support/log-lines.ts';
import { maskSecretValues } from '../../support/secrets.ts';
import type { EnvironmentInfo } from '../info.ts';
import { runSecrets } from '../secrets.ts';

/** Lines kept per container: enough to follow a run, bounded so a chatty target cannot fill the disk. */
const tailLines = 5_000;

export async function saveContainerLogs(environment: EnvironmentInfo, reportDir: string): Promise<string[]> {
  const local = environment.local;
  if (!local) return [];
  const containers: [string, string | undefined][] = [
    [local.alias, local.containerId],
    ...Object.values(local.dependencies ?? {}).map((dependency): [string, string] => [
      dependency.alias,
      dependency.containerId,
    ]),
  ];
  const docker = (await getContainerRuntimeClient()).container.dockerode;
  const secrets = runSecrets(environment);
  const dir = path.join(reportDir, 'logs');
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const [alias, id] of containers) {
    if (!id) continue;
    const container = docker.getContainer(id);
    let text: string;
    try {
      await unpauseIfPaused(container, 5_000);
      const payload = (await withDeadline(
        container.logs({ stdout: true, stderr: true, follow: false, tail: tailLines }),
        10_000,
        `reading the ${alias} log`,
      )) as unknown as Buffer;
      text = demuxDockerLog(Buffer.isBuffer(payload) ? payload : Buffer.from(String(payload)))
        .map((line) => line.text)
        .join('\n');
    } catch (error) {
      text = `(the ${alias} log could not be read: ${(error as Error).message})`;
    }
    await writeFile(path.join(dir, `${alias}.log`), `${maskSecretValues(text, secrets)}\n`);
    written.push(path.join('logs', `${alias}.log`));
  }
  return written;
}
