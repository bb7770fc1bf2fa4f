/**
 * The last look at a run's report folder: 5.3/no-canary-leak searches it while
 * the run goes on, but the summary, the JUnit file and the saved container logs
 * are written after the last check. A secret value found now is a defect of the
 * harness (everything it writes is masked): the file is masked in place, so the
 * value does not stay on disk, and the run ends with a harness error naming the
 * file and the variable.
 */
import path from 'node:path';
import type { EnvironmentInfo } from '../environments/info.ts';
import { runSecrets } from '../environments/secrets.ts';
import { findSecretsInFiles, maskSecretsInFile } from '../support/secret-files.ts';
import { minImageNeedleLength } from '../support/secrets.ts';

export function sweepReportForSecrets(environment: EnvironmentInfo, reportDir: string): string[] {
  // Short values (a local password like "test") would match by accident in any file.
  const secrets = runSecrets(environment).filter((secret) => secret.value.length >= minImageNeedleLength);
  if (secrets.length === 0) return [];
  const { hits } = findSecretsInFiles(reportDir, secrets);
  for (const file of new Set(hits.map((hit) => hit.file))) maskSecretsInFile(path.join(reportDir, file), secrets);
  return hits.map(
    (hit) =>
      `the report file ${hit.file} carried the value of ${hit.variable}; the harness masked it there (a harness defect: please report it)`,
  );
}
