/**
 * The files under a folder that carry a secret value, by variable name (never
 * the value): suite 5.3 searches the report folder with it while the run goes
 * on, and the runner searches it once more after the last file is written.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { leakedSecrets, maskSecretValues, type Secret } from './secrets.ts';

export interface SecretInFile {
  /** Relative to the folder searched, with forward slashes. */
  file: string;
  variable: string;
}

/** Files larger than this are not read whole (none of the harness's own comes near). */
const maxFileBytes = 64 * 1024 * 1024;

export function findSecretsInFiles(root: string, secrets: readonly Secret[]): { files: number; hits: SecretInFile[] } {
  const hits: SecretInFile[] = [];
  let files = 0;
  const walk = (dir: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) {
        try {
          if (statSync(full).size > maxFileBytes) continue;
          // latin1 keeps every byte as one character: a value inside a binary file (a PNG) is still found.
          const text = readFileSync(full, 'latin1');
          files++;
          for (const variable of leakedSecrets(text, secrets)) {
            hits.push({ file: path.relative(root, full).split(path.sep).join('/'), variable });
          }
        } catch {
          // removed meanwhile
        }
      }
    }
  };
  walk(root);
  return { files, hits };
}

/** Rewrites a file with every secret value masked, byte for byte elsewhere: the value must not stay on disk. */
export function maskSecretsInFile(file: string, secrets: readonly Secret[]): void {
  writeFileSync(file, maskSecretValues(readFileSync(file, 'latin1'), secrets), 'latin1');
}
