/**
 * 2.2/variables-on-service: in production, with a Railway token, each
 * variable the target requires is set on its Railway service. Names only:
 * the query asks for Variable.name (the type has no value field), so no value
 * is ever read back.
 */
import { failed, passed, skipped, type Verdict } from '../../checks/check.ts';
import type { CheckContext } from '../../checks/context.ts';
import { RailwayApiError, RailwayClient } from '../../railway/client.ts';
import { railwaySettings, RailwaySettingsError } from '../../railway/settings.ts';
import { RailwayTokenError, selectToken } from '../../railway/tokens.ts';

/** Required names the service lacks, in the contract's order. */
export function missingOnService(required: readonly string[], onService: readonly string[]): string[] {
  const present = new Set(onService);
  return required.filter((name) => !present.has(name));
}

export async function probeVariablesOnService(ctx: CheckContext): Promise<Verdict> {
  if (ctx.kind !== 'remote') return skipped('needs --env=production (the variables of a deployed Railway service)');
  let names: string[];
  try {
    const token = selectToken();
    const settings = railwaySettings();
    if (!token || !settings) {
      return skipped(
        'needs a Railway token (RAILWAY_TOKEN or RAILWAY_API_TOKEN) and RAILWAY_PROJECT_ID, RAILWAY_ENVIRONMENT_ID, RAILWAY_SERVICE_ID',
      );
    }
    names = await new RailwayClient(settings, token, {
      timeoutMs: ctx.thresholds.requestTimeoutMs * 2,
    }).serviceVariableNames();
  } catch (error) {
    if (
      error instanceof RailwayApiError ||
      error instanceof RailwayTokenError ||
      error instanceof RailwaySettingsError
    ) {
      return failed(error.message);
    }
    throw error;
  }
  ctx.note(`${names.length} variable(s) on the service`);
  const missing = missingOnService(ctx.target.requiredEnv, names);
  if (missing.length > 0) {
    return failed(
      `the Railway service lacks ${missing.join(', ')} (required by the target)`,
      `set on the service (names only): ${names.join(', ') || 'none'}`,
    );
  }
  return passed(`every required variable is set on the Railway service: ${ctx.target.requiredEnv.join(', ')}`);
}
