/**
 * Seed task 6.1, "Create deployment documentation": the deployment document
 * names every variable the backend reads (required and optional, from the
 * variable contract) and every relative link in it resolves.
 */
import { defineCheck, defineTask } from '../../checks/definition.ts';
import { probeRelativeLinks, probeVariablesNamed } from './probes.ts';

export const deploymentDocsTask = defineTask({
  id: '6.1',
  name: 'deployment-docs',
  title: 'Create deployment documentation',
  checks: [
    defineCheck({
      id: '6.1/doc-names-every-variable',
      title: 'The deployment document names every variable the backend reads, required and optional',
      hint: 'Regenerate the variables table of docs/railway-deployment.md from the contract: npm run docs:railway.',
      requires: [],
      run: probeVariablesNamed,
    }),
    defineCheck({
      id: '6.1/relative-links-resolve',
      title: 'Every relative link in the deployment document leads to a file that exists',
      hint: 'Fix each broken link: paths are relative to the document and case-sensitive.',
      requires: [],
      run: probeRelativeLinks,
    }),
  ],
});
