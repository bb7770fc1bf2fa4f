/**
 * One source of truth for the variables: the reference profile's contract
 * (requiredEnv, optionalEnv, secretEnv) is the backend's, read from its own
 * config schemas (backend/src/config.ts, backend/src/rag/settings.ts) with the
 * TypeScript compiler, and its required set is what the backend refuses to
 * start without. A variable added to the backend and not to the profile fails
 * here, and with it the IaC check (2.2) and the document (6.1) that read the profile.
 */
import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../backend/src/config.ts';
import { profiles } from '../../src/config/profiles.ts';
import { variableContract, variableNotes } from '../../src/config/variables.ts';

const variableName = /^[A-Z][A-Z0-9_]+$/;

/** Keys of every `z.object({...})` in the file, and every `env.NAME` it reads. */
function variablesReadBy(file: string): Set<string> {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const names = new Set<string>();
  const visit = (node: ts.Node) => {
    if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      node.expression.expression.getText(source) === 'z' &&
      ['object', 'strictObject', 'looseObject'].includes(node.expression.name.text)
    ) {
      const shape = node.arguments[0];
      if (shape && ts.isObjectLiteralExpression(shape)) {
        for (const property of shape.properties) {
          const name = property.name && ts.isIdentifier(property.name) ? property.name.text : undefined;
          if (name && variableName.test(name)) names.add(name);
        }
      }
    }
    if (ts.isPropertyAccessExpression(node) && node.expression.getText(source) === 'env') {
      if (variableName.test(node.name.text)) names.add(node.name.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return names;
}

const backendFiles = ['backend/src/config.ts', 'backend/src/rag/settings.ts'];

describe("the reference profile's variable contract", () => {
  const profile = profiles.reference;

  it("names every variable the backend's config schemas read, and no other", () => {
    const read = [...new Set(backendFiles.flatMap((file) => [...variablesReadBy(file)]))].sort();
    expect(read.length).toBeGreaterThan(10);
    expect([...new Set([...profile.requiredEnv, ...profile.optionalEnv])].sort()).toEqual(read);
  });

  it('requires exactly what the backend refuses to start without', () => {
    let refused: string[] = [];
    try {
      loadConfig({});
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      refused = error.variables;
    }
    expect([...profile.requiredEnv].sort()).toEqual([...refused].sort());
  });

  it('marks the secrets among them, and has a note for every variable of every profile (the docs table)', () => {
    const contract = variableContract(profile);
    for (const secret of profile.secretEnv)
      expect(contract.find((variable) => variable.name === secret)?.secret).toBe(true);
    for (const each of Object.values(profiles)) {
      for (const variable of variableContract(each)) expect(variableNotes[variable.name], variable.name).toBeDefined();
    }
  });
});
