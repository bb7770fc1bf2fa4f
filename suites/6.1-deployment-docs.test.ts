// Seed task 6.1: the checks are declared in src/tasks/6.1-deployment-docs/checks.ts.
import { registerTask } from '../src/checks/register.ts';
import { deploymentDocsTask } from '../src/tasks/6.1-deployment-docs/checks.ts';

registerTask(deploymentDocsTask);
