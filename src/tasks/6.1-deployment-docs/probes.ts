/**
 * Seed task 6.1, "Create deployment documentation": the target's deployment
 * document (target.railway.doc, default docs/railway-deployment.md) read from
 * its repository and judged against the variable contract and the files it links.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { failed, type Verdict } from '../../checks/check.ts';
import type { CheckContext } from '../../checks/context.ts';
import { variableContract } from '../../config/variables.ts';
import { judgeRelativeLinks, judgeVariablesNamed } from './document.ts';

async function readDocument(ctx: CheckContext): Promise<string | Verdict> {
  const file = ctx.target.railway.docFile;
  if (!existsSync(file)) {
    return failed(
      `the target has no deployment document at ${path.relative(ctx.target.context, file) || file}`,
      'write it (deployment process, variables, PostgreSQL setup, troubleshooting, logs and metrics); ' +
        'another location: target.railway.doc in the config',
    );
  }
  return readFile(file, 'utf8');
}

export async function probeVariablesNamed(ctx: CheckContext): Promise<Verdict> {
  const text = await readDocument(ctx);
  return typeof text === 'string' ? judgeVariablesNamed(text, variableContract(ctx.target)) : text;
}

export async function probeRelativeLinks(ctx: CheckContext): Promise<Verdict> {
  const text = await readDocument(ctx);
  return typeof text === 'string' ? judgeRelativeLinks(text, ctx.target.railway.docFile, existsSync) : text;
}
