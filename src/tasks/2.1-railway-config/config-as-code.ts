/**
 * Seed task 2.1, the pure half of 2.1/no-config-as-code: what a leftover
 * `railway.json` / `railway.toml` declared, which Railway has ignored since the
 * Config as Code cutoff, and the steps to move it into `.railway/railway.ts`.
 */
import { failed, passed, type Verdict } from '../../checks/check.ts';

/** Railway stopped reading Config as Code files on this day (hard cutoff, DESIGN section 6). */
export const configAsCodeCutoff = '2026-12-01';

export const configAsCodeFiles = ['railway.json', 'railway.toml'] as const;

/** Settings `railway config migrate` does not carry over at all: they must be added to the IaC by hand. */
export const notMigrated = [
  'restartPolicyType',
  'restartPolicyMaxRetries',
  'drainingSeconds',
  'overlapSeconds',
  'sleepApplication',
] as const;

/** Settings `railway config migrate` writes only as comments. */
export const migratedAsComments = [
  'dockerfilePath',
  'builder',
  'preDeployCommand',
  'cronSchedule',
  'watchPatterns',
] as const;

export interface LegacyConfig {
  /** File name, relative to the repository. */
  file: string;
  text: string;
}

/** The settings a Config as Code file declares, as `key = value` (nested keys flattened, values short). */
export function declaredSettings(config: LegacyConfig): string[] {
  if (config.file.endsWith('.json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(config.text);
    } catch {
      return ['(not valid JSON: Railway could not have read it either)'];
    }
    const settings: string[] = [];
    const walk = (value: unknown, key: string) => {
      if (value && typeof value === 'object' && !Array.isArray(value)) {
        for (const [child, inner] of Object.entries(value)) {
          if (child !== '$schema') walk(inner, key ? `${key}.${child}` : child);
        }
      } else if (key) {
        settings.push(`${key} = ${JSON.stringify(value)}`);
      }
    };
    walk(parsed, '');
    return settings;
  }
  // TOML: `[section]` headers and `key = value` lines are enough to name what it declares.
  const settings: string[] = [];
  let section = '';
  for (const line of config.text.split('\n').map((text) => text.trim())) {
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) section = header[1]!;
    const pair = /^([A-Za-z][\w]*)\s*=\s*(.+)$/.exec(line);
    if (pair) settings.push(`${section ? `${section}.` : ''}${pair[1]} = ${pair[2]}`);
  }
  return settings;
}

/** The steps from a Config as Code file to `.railway/railway.ts`, naming what must be carried by hand. */
export function migrationSteps(configs: readonly LegacyConfig[], iacPath: string): string[] {
  const byHand = configs.flatMap((config) =>
    declaredSettings(config).filter((setting) => notMigrated.some((key) => setting.includes(`${key} =`))),
  );
  return [
    `1. npm install --save-dev railway (entry railway/iac, Node >= 22); Railway CLI 5.42.1 or newer.`,
    `2. railway config migrate: writes ${iacPath} from ${configs.map((config) => config.file).join(' and ')}. ` +
      `It writes ${migratedAsComments.join(', ')} only as comments and does NOT carry ${notMigrated.join(', ')} over.`,
    `3. In ${iacPath}: build: { builder: "DOCKERFILE", dockerfilePath: "Dockerfile" }, healthcheck and ` +
      `healthcheckTimeout on the service, and by hand under deploy: ${
        byHand.length > 0 ? byHand.join(', ') : 'restartPolicyType, restartPolicyMaxRetries, drainingSeconds'
      }.`,
    '4. railway config plan (needs railway login and a linked environment; --detailed-exit-code: 2 = changes ' +
      'pending), review, then railway config apply.',
    `5. Delete ${configs.map((config) => config.file).join(' and ')}: a service still managed by one cannot be managed by IaC.`,
  ];
}

/** No Config as Code file may remain: since the cutoff Railway ignores it, silently. */
export function judgeConfigAsCode(configs: readonly LegacyConfig[], iacPath: string, iacExists: boolean): Verdict {
  if (configs.length === 0) {
    return passed(
      `no ${configAsCodeFiles.join(' or ')} in the repository${iacExists ? `; the service is described by ${iacPath}` : ''}`,
    );
  }
  const names = configs.map((config) => config.file).join(' and ');
  const lost = configs.flatMap((config) => declaredSettings(config).map((setting) => `  ${config.file}: ${setting}`));
  return failed(
    `${names} is still in the repository, but Railway stopped reading Config as Code on ${configAsCodeCutoff}: ` +
      `since then the service has silently run without what it declares (${lost.length} setting${lost.length === 1 ? '' : 's'}, ` +
      `restart policy and healthcheck among them)${iacExists ? '' : `, and there is no ${iacPath} to replace it`}`,
    [
      `ignored since ${configAsCodeCutoff}:`,
      ...lost,
      `migrate to Infrastructure as Code:`,
      ...migrationSteps(configs, iacPath).map((step) => `  ${step}`),
    ].join('\n'),
  );
}
