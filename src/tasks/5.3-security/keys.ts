/**
 * Keys only from the environment: a secret scan with the key formats this
 * stack uses (Cohere, Qdrant, Railway tokens, PostgreSQL URLs with a
 * password) and the credential shapes support/secrets.ts knows, over the
 * repository's files (tracked, and untracked but not ignored: what the next
 * commit may carry), its IaC, and the image's configuration. A fixture with a
 * fake key is allowed only through an allowlist file in the scanned root, each
 * entry naming the file, the rule and why. Findings name the file, line and
 * rule, never the value.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { credentialShapeIn, minSecretLength } from '../../support/secrets.ts';

export interface KeyRule {
  id: string;
  what: string;
  pattern: RegExp;
}

/** A value that only points at where the secret lives, or says what goes there. */
const placeholder =
  /^(?:\$\{?[A-Za-z_]|<|\{\{|%|\*{3,}|x{3,}|\.{3}|\[|process\.env|os\.environ|env\.|(?:password|passwd|pass|secret|changeme|example|placeholder|your[-_]?\w*|redacted|masked|not[-_ ]?recorded|test|postgres|user)$)/i;

export const keyRules: KeyRule[] = [
  {
    id: 'cohere-api-key',
    what: 'a Cohere API key',
    pattern:
      /(?:COHERE_API_KEY|CO_API_KEY|cohere[_-]?api[_-]?key|cohereApiKey)["']?\s*[:=]\s*["'`]?([A-Za-z0-9]{40})(?![A-Za-z0-9])/i,
  },
  {
    id: 'qdrant-api-key',
    what: 'a Qdrant API key',
    pattern: /(?:QDRANT_API_KEY|qdrant[_-]?api[_-]?key|qdrantApiKey)["']?\s*[:=]\s*["'`]?([A-Za-z0-9_|.-]{20,})/i,
  },
  {
    id: 'railway-token',
    what: 'a Railway token',
    pattern:
      /(?:RAILWAY_(?:API_)?TOKEN|RAILWAY_PROJECT_TOKEN|railway[_-]?token)["']?\s*[:=]\s*["'`]?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/i,
  },
  {
    id: 'postgres-url-password',
    what: 'a PostgreSQL URL with a password',
    pattern: /\bpostgres(?:ql)?:\/\/[^\s:@/'"`]+:([^\s@'"`/]+)@[^\s'"`]+/i,
  },
];

export interface KeyFinding {
  file: string;
  line: number;
  rule: string;
  what: string;
}

/** Findings in one text; `file` is what the finding names (a path, `image ENV`, `image history step 4`). */
export function findKeys(text: string, file: string): KeyFinding[] {
  const findings: KeyFinding[] = [];
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    if (line.length > 5_000) return;
    for (const rule of keyRules) {
      const match = rule.pattern.exec(line);
      // Shorter than a secret worth the name (support/secrets.ts minSecretLength): an example, not a key.
      if (match && (match[1] ?? '').length >= minSecretLength && !placeholder.test(match[1] ?? '')) {
        findings.push({ file, line: index + 1, rule: rule.id, what: rule.what });
      }
    }
    const shape = credentialShapeIn(line);
    if (shape && shape !== 'a URL with a user and password') {
      findings.push({ file, line: index + 1, rule: 'credential-shape', what: shape });
    }
  });
  return findings;
}

const allowlistSchema = z.strictObject({
  allow: z
    .array(
      z.strictObject({
        path: z.string().min(1),
        rule: z.string().min(1),
        reason: z.string().min(10),
      }),
    )
    .default([]),
});

export type Allowlist = z.output<typeof allowlistSchema>['allow'];

export const allowlistFile = '.secret-scan-allowlist.yaml';

/** The root's allowlist (an absent file allows nothing); a malformed one is an error naming the problem. */
export function readAllowlist(root: string): Allowlist {
  let text: string;
  try {
    text = readFileSync(path.join(root, allowlistFile), 'utf8');
  } catch {
    return [];
  }
  const parsed = allowlistSchema.safeParse(parse(text) ?? {});
  if (!parsed.success) throw new Error(`${allowlistFile}: ${z.prettifyError(parsed.error)}`);
  return parsed.data.allow;
}

/** An entry's path is a file, or a folder ending in `/` that covers everything below it. */
export function allowed(finding: KeyFinding, allowlist: Allowlist): boolean {
  return allowlist.some(
    (entry) =>
      (entry.rule === finding.rule || entry.rule === '*') &&
      (entry.path.endsWith('/') ? finding.file.startsWith(entry.path) : entry.path === finding.file),
  );
}

const skippedDirs = new Set(['node_modules', '.git', 'reports', 'tmp', '.shipshape-fault', '__pycache__', '.venv']);
const maxFileBytes = 1024 * 1024;

/** The files of a root the next commit may carry: git's tracked and untracked-not-ignored, else a walk. */
export function repositoryFiles(root: string): { files: string[]; how: string } {
  try {
    const output = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const files = [...new Set(output.split('\0').filter(Boolean))];
    return { files, how: 'git ls-files (tracked, and untracked not ignored)' };
  } catch {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
        const relative = path.join(dir, entry.name);
        if (entry.isDirectory()) {
          if (!skippedDirs.has(entry.name)) walk(relative);
        } else if (entry.isFile()) files.push(relative);
      }
    };
    walk('');
    return { files, how: 'every file (not a git repository)' };
  }
}

export interface TreeScan {
  files: number;
  how: string;
  findings: KeyFinding[];
  allowedFindings: KeyFinding[];
  iacFiles: string[];
}

/** Scans the root's files; binary and large files are passed over. */
export function scanTree(root: string): TreeScan {
  const { files, how } = repositoryFiles(root);
  const allowlist = readAllowlist(root);
  const findings: KeyFinding[] = [];
  const allowedFindings: KeyFinding[] = [];
  let scanned = 0;
  for (const file of files) {
    const full = path.join(root, file);
    let text: string;
    try {
      if (statSync(full).size > maxFileBytes) continue;
      const bytes = readFileSync(full);
      if (bytes.subarray(0, 8_000).includes(0)) continue;
      text = bytes.toString('utf8');
    } catch {
      continue;
    }
    scanned++;
    for (const finding of findKeys(text, file)) {
      (allowed(finding, allowlist) ? allowedFindings : findings).push(finding);
    }
  }
  const iacFiles = files.filter((file) => file.startsWith('.railway/') || /(^|\/)railway\.(json|toml)$/.test(file));
  return { files: scanned, how, findings, allowedFindings, iacFiles };
}

export function describeFinding(finding: KeyFinding): string {
  return `${finding.file}:${finding.line}: ${finding.what} (${finding.rule})`;
}
