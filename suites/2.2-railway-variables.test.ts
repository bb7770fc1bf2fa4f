// Seed task 2.2: the checks are declared in src/tasks/2.2-railway-variables/checks.ts.
import { registerTask } from '../src/checks/register.ts';
import { railwayVariablesTask } from '../src/tasks/2.2-railway-variables/checks.ts';

registerTask(railwayVariablesTask);
