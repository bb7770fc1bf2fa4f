/**
 * Seed task 6.1's judgements: every variable of the contract named as a whole
 * word, and relative links (not URLs, anchors or examples in code) resolved
 * from the document's folder.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  judgeRelativeLinks,
  judgeVariablesNamed,
  linkTargets,
} from '../../../src/tasks/6.1-deployment-docs/document.ts';

const contract = [
  { name: 'DATABASE_URL', required: true, secret: true },
  { name: 'RAG_TOP_K', required: false, secret: false },
];

describe('6.1 judgements', () => {
  it('wants each variable named as a whole word', () => {
    expect(judgeVariablesNamed('| `DATABASE_URL` | yes |\n| `RAG_TOP_K` | no |', contract).status).toBe('passed');
    const verdict = judgeVariablesNamed('DATABASE_URL and RAG_TOP_KEYS', contract);
    expect(verdict.status).toBe('failed');
    expect(verdict.message).toContain('RAG_TOP_K');
  });

  it('finds inline links and reference definitions, not links in code', () => {
    const markdown = [
      'See [the IaC](../.railway/railway.ts "IaC") and [Railway](https://railway.com) and [up](#top).',
      '[ref]: ../Dockerfile',
      '```sh',
      '[not a link](../nowhere.md)',
      '```',
      'and `[also not](../nowhere.md)`',
    ].join('\n');
    expect(linkTargets(markdown)).toEqual(['../.railway/railway.ts', 'https://railway.com', '#top', '../Dockerfile']);
  });

  it('resolves relative links from the document, anchors stripped', () => {
    const doc = path.resolve('docs/railway-deployment.md');
    expect(judgeRelativeLinks('[a](../README.md#quick-start) [b](https://x.example)', doc, existsSync).status).toBe(
      'passed',
    );
    const verdict = judgeRelativeLinks('[a](../READ_ME.md)', doc, existsSync);
    expect(verdict.status).toBe('failed');
    expect(verdict.message).toContain('../READ_ME.md');
  });
});
