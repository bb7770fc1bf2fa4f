// Seed task 1.2: the checks are declared in src/tasks/1.2-local-docker/checks.ts.
import { registerTask } from '../src/checks/register.ts';
import { localDockerTask } from '../src/tasks/1.2-local-docker/checks.ts';

registerTask(localDockerTask);
