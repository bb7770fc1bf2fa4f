/**
 * Seed task 2.2, pure judgements of the variables the IaC declares on the
 * backend's service against the variable contract: every required variable
 * declared (a reference, `preserve()`, or a non-secret literal), and no
 * secret written into the file as a literal. Values are never shown.
 */
import { failed, passed, type Verdict } from '../../checks/check.ts';
import type { ContractVariable } from '../../config/variables.ts';
import type { ServiceNode, VariableValue } from '../../support/railway-iac.ts';

/** How a declaration gets its value, without the value. */
export function describeDeclaration(value: VariableValue): string {
  switch (value.type) {
    case 'reference':
      return `reference to ${value.resource.replace(/^[a-z]+\./, '')}.${value.output}`;
    case 'preserve':
      return 'preserve()';
    case 'sharedReference':
      return `shared variable ${value.name}`;
    case 'literal':
    case 'raw': {
      const text = value.type === 'literal' ? value.value : value.value.value;
      return isTemplateOnly(text ?? undefined) ? 'a Railway template of references' : 'a literal value';
    }
  }
}

/** `${{postgres.DATABASE_URL}}?sslmode=require`: references Railway fills in, no value of its own. */
function isTemplateOnly(text: string | undefined): boolean {
  if (!text || !text.includes('${{')) return false;
  const rest = text.replace(/\$\{\{[^}]+\}\}/g, '');
  return !/[A-Za-z0-9]{8,}/.test(rest) && !rest.includes('@');
}

/** A secret written into the repository: a literal (or raw) value that is not only references. */
export function isLiteralSecretValue(value: VariableValue): boolean {
  if (value.type === 'literal') return !isTemplateOnly(value.value ?? undefined) && Boolean(value.value);
  if (value.type === 'raw') return !isTemplateOnly(value.value.value ?? undefined) && Boolean(value.value.value);
  return false;
}

function how(variable: ContractVariable): string {
  if (variable.name === 'DATABASE_URL') return `${variable.name}: db.env.DATABASE_URL (a reference to postgres())`;
  return variable.secret ? `${variable.name}: preserve()` : `${variable.name}: '<value>' or preserve()`;
}

/** 2.2/required-declared */
export function judgeRequiredDeclared(service: ServiceNode, contract: readonly ContractVariable[]): Verdict {
  const declared = service.variables ?? {};
  const required = contract.filter((variable) => variable.required);
  const missing = required.filter((variable) => !(variable.name in declared));
  if (missing.length > 0) {
    return failed(
      `service ${service.name} does not declare ${missing.map((variable) => variable.name).join(', ')}: ` +
        `the backend refuses to start without ${missing.length === 1 ? 'it' : 'them'}, and nothing in the IaC says so`,
      `add to the service's env in the IaC:\n${missing.map((variable) => `  ${how(variable)}`).join('\n')}`,
    );
  }
  return passed(
    `service ${service.name} declares all ${required.length} required variables: ` +
      required.map((variable) => `${variable.name} (${describeDeclaration(declared[variable.name]!)})`).join(', '),
  );
}

/** 2.2/secrets-not-literal */
export function judgeSecretsNotLiteral(service: ServiceNode, contract: readonly ContractVariable[]): Verdict {
  const declared = service.variables ?? {};
  const secrets = contract.filter((variable) => variable.secret && variable.name in declared);
  const literal = secrets.filter((variable) => isLiteralSecretValue(declared[variable.name]!));
  if (literal.length > 0) {
    return failed(
      `service ${service.name} writes ${literal.map((variable) => variable.name).join(', ')} into the IaC as a literal ` +
        'value: the secret is in the repository and its history, and every plan sends it to Railway',
      `declare ${literal.length === 1 ? 'it' : 'them'} with preserve() (set the value once in Railway: ` +
        `railway variables --set NAME=...), or a reference to the service that owns it; then rotate the exposed secret`,
    );
  }
  return passed(
    secrets.length === 0
      ? `service ${service.name} declares none of the secret variables as a value`
      : `no secret is a literal: ${secrets.map((variable) => `${variable.name} (${describeDeclaration(declared[variable.name]!)})`).join(', ')}`,
  );
}
