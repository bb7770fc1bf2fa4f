// Seed task 1.1: the checks are declared in src/tasks/1.1-dockerfile/checks.ts.
import { registerTask } from '../src/checks/register.ts';
import { dockerfileTask } from '../src/tasks/1.1-dockerfile/checks.ts';

registerTask(dockerfileTask);
