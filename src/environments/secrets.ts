import { secretsOf, type Secret } from '../support/secrets.ts';
import type { EnvironmentInfo } from './info.ts';

/**
 * The values no message, evidence or saved log may show: the target's secret
 * variables (canaries locally) and the local database password. A remote run
 * knows no secret values; it never reads them.
 */
export function runSecrets(environment: EnvironmentInfo): Secret[] {
  const local = environment.local;
  if (!local) return [];
  const secrets = secretsOf(local.environment, environment.target.secretEnv);
  const password = local.dependencies?.postgres.password;
  if (password && !secrets.some((secret) => secret.value === password)) {
    secrets.push(...secretsOf({ POSTGRES_PASSWORD: password }, ['POSTGRES_PASSWORD']));
  }
  return secrets;
}
