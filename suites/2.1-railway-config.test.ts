// Seed task 2.1: the checks are declared in src/tasks/2.1-railway-config/checks.ts.
import { registerTask } from '../src/checks/register.ts';
import { railwayConfigTask } from '../src/tasks/2.1-railway-config/checks.ts';

registerTask(railwayConfigTask);
