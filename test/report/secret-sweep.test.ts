import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LocalTargetInfo } from '../../src/environments/info.ts';
import { sweepReportForSecrets } from '../../src/report/secret-sweep.ts';
import { fakeEnvironment } from '../support/environment.ts';

const canary = 'canary-admin-5d41c0de';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function reportWith(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'shipshape-sweep-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

const environment = fakeEnvironment({
  local: { environment: { ADMIN_TOKEN: canary } } as unknown as LocalTargetInfo,
});

describe('the last look at the report folder', () => {
  it('names the file and the variable of a value the harness wrote, never the value, and masks it there', () => {
    const dir = reportWith({ 'junit.xml': `<failure message="token ${canary}"/>`, 'summary.md': 'all fine' });
    const found = sweepReportForSecrets(environment, dir);
    expect(found).toEqual([expect.stringContaining('the report file junit.xml carried the value of ADMIN_TOKEN')]);
    expect(found.join('\n')).not.toContain(canary);
    expect(readFileSync(path.join(dir, 'junit.xml'), 'utf8')).toBe('<failure message="token [ADMIN_TOKEN masked]"/>');
    expect(readFileSync(path.join(dir, 'summary.md'), 'utf8')).toBe('all fine');
  });

  it('finds nothing in a clean report', () => {
    const dir = reportWith({ 'logs/target.log': 'listening on 0.0.0.0:8000', 'summary.json': '{}' });
    expect(sweepReportForSecrets(environment, dir)).toEqual([]);
  });
});
