/**
 * Seed task 4.1, "Deploy to Railway": the service's latest deployment is
 * SUCCESS for the commit `npm run deploy` recorded, and its build and deploy
 * logs hold no error line. Locally, where there is no Railway, the deploy
 * orchestration of `npm run deploy` runs end to end against the Railway
 * stand-in and is judged the same way.
 */
import { failed, passed, skipped, type Verdict } from '../../checks/check.ts';
import type { CheckContext } from '../../checks/context.ts';
import { defineCheck, defineTask } from '../../checks/definition.ts';
import { RailwayApiError } from '../../railway/client.ts';
import { RailwayTokenError } from '../../railway/tokens.ts';
import { RailwaySettingsError } from '../../railway/settings.ts';
import { observeProduction, observeStandinDeploy, productionClient, type ObservedDeployment } from './deployment.ts';
import { judgeDeployment, judgeLogs, type Judgement } from './judge.ts';

async function observe(ctx: CheckContext): Promise<ObservedDeployment | Verdict> {
  if (ctx.kind !== 'remote') return observeStandinDeploy(ctx);
  try {
    const client = productionClient(ctx);
    if (typeof client === 'string') return skipped(client);
    return await observeProduction(ctx, client);
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
}

function judged(judge: (observed: ObservedDeployment) => Judgement) {
  return async (ctx: CheckContext): Promise<Verdict> => {
    const observed = await observe(ctx);
    if ('status' in observed && typeof observed.status === 'string' && 'message' in observed)
      return observed as Verdict;
    const judgement = judge(observed as ObservedDeployment);
    const where = ctx.kind === 'remote' ? '' : ' (local: the deploy script against the Railway stand-in)';
    return judgement.ok
      ? passed(`${judgement.message}${where}`)
      : failed(`${judgement.message}${where}`, judgement.evidence);
  };
}

export const railwayDeploymentTask = defineTask({
  id: '4.1',
  name: 'railway-deployment',
  title: 'Deploy to Railway',
  checks: [
    defineCheck({
      id: '4.1/deployment-succeeded',
      title: 'The latest deployment is SUCCESS, for the commit npm run deploy recorded',
      hint: "Read the deployment's build and deploy logs (railway logs --build / railway logs, or the dashboard): a FAILED one broke in its build, a CRASHED one exited after it started; fix, then npm run deploy again.",
      requires: [],
      timeLimitMs: 60_000,
      run: judged(judgeDeployment),
    }),
    defineCheck({
      id: '4.1/deployment-logs-clean',
      title: "The latest deployment's build and deploy logs hold no error line",
      hint: 'Every error line in a deploy log is a request that failed or a start-up problem: fix its cause (a missing migration, a dependency refused) rather than lowering the log level.',
      requires: [],
      timeLimitMs: 60_000,
      run: judged(judgeLogs),
    }),
  ],
});
