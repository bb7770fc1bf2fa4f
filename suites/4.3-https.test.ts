// Seed task 4.3: the checks are declared in src/tasks/4.3-https/checks.ts.
import { registerTask } from '../src/checks/register.ts';
import { httpsTask } from '../src/tasks/4.3-https/checks.ts';

registerTask(httpsTask);
