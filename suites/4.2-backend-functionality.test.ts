// Seed task 4.2: the checks are declared in src/tasks/4.2-backend-functionality/checks.ts.
import { registerTask } from '../src/checks/register.ts';
import { backendFunctionalityTask } from '../src/tasks/4.2-backend-functionality/checks.ts';

registerTask(backendFunctionalityTask);
