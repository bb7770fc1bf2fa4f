// Seed task 5.3: the checks are declared in src/tasks/5.3-security/checks.ts.
import { registerTask } from '../src/checks/register.ts';
import { securityTask } from '../src/tasks/5.3-security/checks.ts';

registerTask(securityTask);
