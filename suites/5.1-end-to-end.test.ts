// Seed task 5.1: the checks are declared in src/tasks/5.1-end-to-end/checks.ts.
import { registerTask } from '../src/checks/register.ts';
import { endToEndTask } from '../src/tasks/5.1-end-to-end/checks.ts';

registerTask(endToEndTask);
