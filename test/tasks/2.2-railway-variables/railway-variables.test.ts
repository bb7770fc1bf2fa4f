/**
 * Seed task 2.2's judgements of the IaC's declarations: required variables
 * declared in any of the three ways, secrets never literal (a template of
 * references is no literal), and no value ever shown.
 */
import { describe, expect, it } from 'vitest';
import type { ServiceNode, VariableValue } from '../../../src/support/railway-iac.ts';
import {
  judgeRequiredDeclared,
  judgeSecretsNotLiteral,
} from '../../../src/tasks/2.2-railway-variables/declarations.ts';

const contract = [
  { name: 'DATABASE_URL', required: true, secret: true },
  { name: 'COHERE_API_KEY', required: true, secret: true },
  { name: 'QDRANT_COLLECTION', required: true, secret: false },
  { name: 'LOG_LEVEL', required: false, secret: false },
];

const service = (variables: Record<string, VariableValue>): ServiceNode => ({
  address: 'service.backend',
  type: 'service',
  kind: 'empty',
  name: 'backend',
  variables,
});

const good: Record<string, VariableValue> = {
  DATABASE_URL: { type: 'reference', resource: 'database.postgres', output: 'DATABASE_URL' },
  COHERE_API_KEY: { type: 'preserve' },
  QDRANT_COLLECTION: { type: 'literal', value: 'book' },
};

describe('2.2 declarations', () => {
  it('passes a reference, preserve() and a non-secret literal', () => {
    expect(judgeRequiredDeclared(service(good), contract).status).toBe('passed');
    expect(judgeSecretsNotLiteral(service(good), contract).status).toBe('passed');
  });

  it('names a required variable left out, and how to declare it', () => {
    const { QDRANT_COLLECTION: _gone, ...rest } = good;
    const verdict = judgeRequiredDeclared(service(rest), contract);
    expect(verdict.status).toBe('failed');
    expect(verdict.message).toContain('QDRANT_COLLECTION');
  });

  it('fails a literal secret without showing its value, and accepts a template of references', () => {
    const value = 'co-live-7f3a9c21b84e4d06a1c5e2f9';
    const verdict = judgeSecretsNotLiteral(service({ ...good, COHERE_API_KEY: { type: 'literal', value } }), contract);
    expect(verdict.status).toBe('failed');
    expect(JSON.stringify(verdict)).not.toContain(value);
    const template = { type: 'literal' as const, value: '${{postgres.DATABASE_URL}}?sslmode=require' };
    expect(judgeSecretsNotLiteral(service({ ...good, DATABASE_URL: template }), contract).status).toBe('passed');
  });
});
