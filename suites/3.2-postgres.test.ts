// Seed task 3.2: the checks are declared in src/tasks/3.2-postgres/checks.ts.
import { registerTask } from '../src/checks/register.ts';
import { postgresTask } from '../src/tasks/3.2-postgres/checks.ts';

registerTask(postgresTask);
