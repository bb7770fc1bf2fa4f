// Seed task 4.1: the checks are declared in src/tasks/4.1-railway-deployment/checks.ts.
import { registerTask } from '../src/checks/register.ts';
import { railwayDeploymentTask } from '../src/tasks/4.1-railway-deployment/checks.ts';

registerTask(railwayDeploymentTask);
