/**
 * Seed task 2.2, "Set up Railway environment variables": one source of truth
 * for the variables (the target's profile: requiredEnv, secretEnv,
 * optionalEnv; src/config/variables.ts), and the Railway IaC held to it:
 * every required variable declared on the service, no secret written as a
 * literal value.
 */
import { defineCheck, defineTask } from '../../checks/definition.ts';
import { probeVariablesOnService } from './on-service.ts';
import { probeRequiredDeclared, probeSecretsNotLiteral } from './probes.ts';

export const railwayVariablesTask = defineTask({
  id: '2.2',
  name: 'railway-variables',
  title: 'Set up Railway environment variables',
  checks: [
    defineCheck({
      id: '2.2/required-declared',
      title: 'Every variable the target requires is declared on its service in the Railway IaC',
      hint: "Declare each required variable in the service's env: a reference (db.env.DATABASE_URL), preserve() for a secret set in Railway, or a literal for a non-secret setting.",
      requires: ['required-variable'],
      run: probeRequiredDeclared,
    }),
    defineCheck({
      id: '2.2/secrets-not-literal',
      title: 'No secret variable is written into the Railway IaC as a literal value',
      hint: 'Declare secrets with preserve() (set the value in Railway: railway variables --set) or a reference, never a literal; rotate any secret that was committed.',
      requires: [],
      run: probeSecretsNotLiteral,
    }),
    defineCheck({
      id: '2.2/variables-on-service',
      title: 'In production, every required variable is set on the Railway service (names only)',
      hint: 'Set each missing variable on the service: npm run deploy upserts them from its environment, or railway variables --set NAME=... (a reference such as ${{postgres.DATABASE_URL}} for the database).',
      requires: ['required-variable'],
      run: probeVariablesOnService,
    }),
  ],
});
