// Seed task 3.1: the checks are declared in src/tasks/3.1-production-readiness/checks.ts.
import { registerTask } from '../src/checks/register.ts';
import { productionReadinessTask } from '../src/tasks/3.1-production-readiness/checks.ts';

registerTask(productionReadinessTask);
