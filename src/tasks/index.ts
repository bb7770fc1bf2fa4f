/**
 * The registry: every seed task shipshape verifies and every check, in task
 * order (hadolint's Process.hs plays this part there). The CLI validates
 * `--suite` and `--check` against it before anything starts, `--list` and the
 * README's check table are printed from it, and the self-tests hold every id
 * to a broken variant that fails it.
 */
import type { CheckDefinition, TaskDefinition } from '../checks/definition.ts';
import { dockerfileTask } from './1.1-dockerfile/checks.ts';
import { localDockerTask } from './1.2-local-docker/checks.ts';
import { railwayConfigTask } from './2.1-railway-config/checks.ts';
import { railwayVariablesTask } from './2.2-railway-variables/checks.ts';
import { productionReadinessTask } from './3.1-production-readiness/checks.ts';
import { postgresTask } from './3.2-postgres/checks.ts';
import { railwayDeploymentTask } from './4.1-railway-deployment/checks.ts';
import { backendFunctionalityTask } from './4.2-backend-functionality/checks.ts';
import { httpsTask } from './4.3-https/checks.ts';
import { endToEndTask } from './5.1-end-to-end/checks.ts';
import { performanceTask } from './5.2-performance/checks.ts';
import { securityTask } from './5.3-security/checks.ts';
import { deploymentDocsTask } from './6.1-deployment-docs/checks.ts';
import { monitoringTask } from './6.2-monitoring/checks.ts';

export const tasks: readonly TaskDefinition[] = [
  dockerfileTask,
  localDockerTask,
  railwayConfigTask,
  railwayVariablesTask,
  productionReadinessTask,
  postgresTask,
  railwayDeploymentTask,
  backendFunctionalityTask,
  httpsTask,
  endToEndTask,
  performanceTask,
  securityTask,
  deploymentDocsTask,
  monitoringTask,
];

export const checks: readonly CheckDefinition[] = tasks.flatMap((task) => task.checks);

const duplicates = checks.map((check) => check.id).filter((id, index, ids) => ids.indexOf(id) !== index);
if (duplicates.length > 0) throw new Error(`check ids must be unique; declared twice: ${duplicates.join(', ')}`);

export function taskById(id: string): TaskDefinition | undefined {
  return tasks.find((task) => task.id === id);
}

export function checkById(id: string): CheckDefinition | undefined {
  return checks.find((check) => check.id === id);
}

/** Where a task's suite file and code live: `<id>-<name>`, e.g. `3.2-postgres`. */
export function taskSlug(task: TaskDefinition): string {
  return `${task.id}-${task.name}`;
}
