// Seed task 6.2: the checks are declared in src/tasks/6.2-monitoring/checks.ts.
import { registerTask } from '../src/checks/register.ts';
import { monitoringTask } from '../src/tasks/6.2-monitoring/checks.ts';

registerTask(monitoringTask);
