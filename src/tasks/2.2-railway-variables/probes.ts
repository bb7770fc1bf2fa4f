/**
 * Seed task 2.2, "Set up Railway environment variables": the variables the
 * backend's service declares in the target's Railway IaC, read from the
 * desired configuration it evaluates to, against the variable contract.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { skipped, type Verdict } from '../../checks/check.ts';
import type { CheckContext } from '../../checks/context.ts';
import { variableContract } from '../../config/variables.ts';
import { backendService, evaluateRailwayIacOnce, IacError, type ServiceNode } from '../../support/railway-iac.ts';
import { judgeRequiredDeclared, judgeSecretsNotLiteral } from './declarations.ts';

/** The backend's service in the evaluated IaC, or why the variables cannot be read from it. */
export async function iacService(ctx: CheckContext): Promise<ServiceNode | Verdict> {
  const file = ctx.target.railway.iacFile;
  const shown = path.relative(ctx.target.context, file) || file;
  if (!existsSync(file)) {
    return skipped(`the target has no Railway IaC at ${shown} to declare variables in (see 2.1/iac-evaluates)`);
  }
  try {
    return backendService((await evaluateRailwayIacOnce(file)).graph, ctx.target.railway.service);
  } catch (error) {
    if (!(error instanceof IacError)) throw error;
    return skipped(`the IaC at ${shown} does not evaluate (see 2.1/iac-evaluates): ${error.message}`);
  }
}

function isVerdict(value: ServiceNode | Verdict): value is Verdict {
  return 'status' in value && !('address' in value);
}

export async function probeRequiredDeclared(ctx: CheckContext): Promise<Verdict> {
  const service = await iacService(ctx);
  return isVerdict(service) ? service : judgeRequiredDeclared(service, variableContract(ctx.target));
}

export async function probeSecretsNotLiteral(ctx: CheckContext): Promise<Verdict> {
  const service = await iacService(ctx);
  return isVerdict(service) ? service : judgeSecretsNotLiteral(service, variableContract(ctx.target));
}
