/**
 * Seed task 6.1, pure judgements of the deployment document: it names every
 * variable the target reads (the variable contract, required and optional),
 * and each relative link in it leads to a file that exists.
 */
import path from 'node:path';
import { failed, passed, type Verdict } from '../../checks/check.ts';
import type { ContractVariable } from '../../config/variables.ts';

/** The text without fenced code blocks: a link written in an example is no link. */
function withoutFences(markdown: string): string {
  return markdown.replace(/^(`{3,}|~{3,})[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
}

/** Link targets of inline links and reference definitions, outside code. */
export function linkTargets(markdown: string): string[] {
  const text = withoutFences(markdown).replace(/`[^`\n]*`/g, '');
  const inline = [...text.matchAll(/\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+["'(][^)]*)?\)/g)].map((match) => match[1]!);
  const references = [...text.matchAll(/^\s{0,3}\[[^\]\n]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((match) => match[1]!);
  return [...inline, ...references];
}

/** A link to a file of the repository: no scheme, not only an anchor. */
export function isRelative(target: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith('#') && !target.startsWith('//');
}

/** 6.1/relative-links-resolve */
export function judgeRelativeLinks(markdown: string, docFile: string, exists: (file: string) => boolean): Verdict {
  const relative = [...new Set(linkTargets(markdown).filter(isRelative))];
  const broken = relative.filter((target) => {
    const file = decodeURIComponent(target.split('#')[0]!.split('?')[0]!);
    return !exists(path.resolve(path.dirname(docFile), file));
  });
  if (broken.length > 0) {
    return failed(
      `${broken.length} of ${relative.length} relative links lead nowhere: ${broken.join(', ')}`,
      `resolved from ${path.dirname(docFile)}; fix the path or the file name (links are case-sensitive)`,
    );
  }
  return passed(`all ${relative.length} relative links resolve`);
}

/** 6.1/doc-names-every-variable: each variable's name as a whole word, required and optional. */
export function judgeVariablesNamed(markdown: string, contract: readonly ContractVariable[]): Verdict {
  const named = (name: string) => new RegExp(`(^|[^A-Za-z0-9_])${name}([^A-Za-z0-9_]|$)`).test(markdown);
  const missing = contract.filter((variable) => !named(variable.name));
  if (missing.length > 0) {
    return failed(
      `the document does not name ${missing.map((variable) => `${variable.name}${variable.required ? ' (required)' : ''}`).join(', ')}, ` +
        'which the backend reads: whoever deploys from it will not set it',
      'regenerate the variables table from the contract: npm run docs:railway',
    );
  }
  const required = contract.filter((variable) => variable.required).length;
  return passed(`names all ${contract.length} variables the target reads (${required} required)`);
}
