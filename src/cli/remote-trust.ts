/**
 * A remote environment's private CA (environments.<name>.tls.caFile), trusted
 * by every suite, not only by 4.3's handshake: Node reads NODE_EXTRA_CA_CERTS
 * when a process starts, so the runner sets it before Vitest starts its
 * workers. A CA already named in NODE_EXTRA_CA_CERTS stays trusted: both go
 * into one bundle in the run's report folder.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ResolvedConfig } from '../config/load.ts';

export async function trustEnvironmentCa(
  config: ResolvedConfig,
  reportDir: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | undefined> {
  if (config.environment.kind !== 'remote' || !config.environment.tls?.caFile) return undefined;
  const caFile = path.resolve(config.root, config.environment.tls.caFile);
  const configured = await readFile(caFile, 'utf8').catch((error: Error) => {
    throw new Error(`environments.${config.envName}.tls.caFile: cannot read ${caFile}: ${error.message}`);
  });
  const already = env.NODE_EXTRA_CA_CERTS;
  if (!already || path.resolve(already) === caFile) {
    env.NODE_EXTRA_CA_CERTS = caFile;
    return caFile;
  }
  const bundle = path.join(reportDir, 'extra-ca-certificates.pem');
  await writeFile(bundle, `${(await readFile(already, 'utf8')).trimEnd()}\n${configured}`);
  env.NODE_EXTRA_CA_CERTS = bundle;
  return bundle;
}
