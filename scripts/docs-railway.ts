/**
 * `npm run docs:railway`: rewrites the variables table of
 * docs/railway-deployment.md from the variable contract (the target profile,
 * src/config/variables.ts) and from what the Railway IaC declares for each
 * variable, so the document cannot drift from either. test/docs-railway.test.ts
 * fails when the committed table is stale.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as prettier from 'prettier';
import { loadConfig } from '../src/config/load.ts';
import type { TargetSpec } from '../src/config/target-spec.ts';
import { variableContract, variableNotes } from '../src/config/variables.ts';
import { backendService, evaluateRailwayIac, type VariableValue } from '../src/support/railway-iac.ts';
import { describeDeclaration } from '../src/tasks/2.2-railway-variables/declarations.ts';

const start = '<!-- variables:start -->';
const end = '<!-- variables:end -->';

function onRailway(name: string, declared: VariableValue | undefined): string {
  if (declared) {
    const how = describeDeclaration(declared);
    if (declared.type === 'literal' && how === 'a literal value') return `\`${declared.value}\` (in the IaC)`;
    // References only (no value of its own): the template itself says the most.
    if (declared.type === 'literal' && how === 'a Railway template of references') return `\`${declared.value}\``;
    return how === 'preserve()' ? 'preserve(): set it with `railway variables --set`' : how;
  }
  if (name === 'PORT' || name.startsWith('RAILWAY_')) return 'injected by Railway';
  return 'not set (default)';
}

/** The table, as markdown: one row per variable the target reads, required ones first. */
export async function variablesTable(target: TargetSpec): Promise<string> {
  const evaluated = await evaluateRailwayIac(target.railway.iacFile);
  const service = backendService(evaluated.graph, target.railway.service);
  const iac = path.relative(target.context, target.railway.iacFile);
  const rows = variableContract(target).map((variable) => {
    const note = variableNotes[variable.name];
    return [
      `\`${variable.name}\``,
      variable.required ? 'yes' : 'no',
      variable.secret ? 'yes' : 'no',
      note?.default ?? '',
      onRailway(variable.name, service.variables?.[variable.name]),
      note?.meaning ?? '',
    ];
  });
  const header = ['variable', 'required', 'secret', 'default', `on Railway (${iac})`, 'meaning'];
  return [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

/** The document with its table regenerated, formatted as `npm run lint` (prettier) wants it. */
export async function generatedDeploymentDoc(text: string, target: TargetSpec): Promise<string> {
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from === -1 || to < from) throw new Error(`the document has no ${start} ... ${end} markers for the table`);
  const table = await variablesTable(target);
  const updated = `${text.slice(0, from + start.length)}\n\n${table}\n\n${text.slice(to)}`;
  const options = (await prettier.resolveConfig(target.railway.docFile)) ?? {};
  return prettier.format(updated, { ...options, parser: 'markdown' });
}

if (import.meta.main) {
  const config = await loadConfig({ envName: 'local' });
  const file = config.target.railway.docFile;
  const text = await readFile(file, 'utf8');
  const updated = await generatedDeploymentDoc(text, config.target);
  const shown = path.relative(process.cwd(), file);
  if (updated === text) console.log(`${shown} variables table: up to date`);
  else {
    await writeFile(file, updated);
    console.log(`${shown} variables table: rewritten from the variable contract and the IaC`);
  }
}
