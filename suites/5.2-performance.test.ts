// Seed task 5.2: the checks are declared in src/tasks/5.2-performance/checks.ts.
import { registerTask } from '../src/checks/register.ts';
import { performanceTask } from '../src/tasks/5.2-performance/checks.ts';

registerTask(performanceTask);
