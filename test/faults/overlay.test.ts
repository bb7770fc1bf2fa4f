/**
 * A context "overlay" fault variant is a copy of the good repository with the
 * variant's files laid over it, its deletions made and its edits applied: what
 * a checkout would not hold stays out, and a path outside the copy or an edit
 * that no longer applies fails loudly.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { faultVariants } from '../../fixtures/faults/catalog.ts';
import { applyDockerfileEdits } from '../../fixtures/faults/dockerfile-edits.ts';
import { prepareOverlay } from '../../scripts/faults/overlay.ts';

const roots: string[] = [];
afterEach(async () => {
  await Promise.all(roots.splice(0).map((root) => rm(root, { recursive: true, force: true })));
});

async function repository(): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'shipshape-overlay-test-'));
  roots.push(root);
  const repo = path.join(root, 'repo');
  await mkdir(path.join(repo, '.railway'), { recursive: true });
  await mkdir(path.join(repo, 'node_modules', 'x'), { recursive: true });
  await writeFile(path.join(repo, '.railway', 'railway.ts'), "healthcheck: '/health',\n");
  await writeFile(path.join(repo, 'Dockerfile'), 'FROM scratch\n');
  await writeFile(path.join(repo, 'node_modules', 'x', 'index.js'), '');
  await mkdir(path.join(root, 'variant'));
  await writeFile(path.join(root, 'variant', 'railway.json'), '{}\n');
  return root;
}

describe('prepareOverlay', () => {
  it('copies the repository without node_modules, then lays files over it, deletes and edits', async () => {
    const root = await repository();
    const copy = await prepareOverlay(
      {
        name: 'v',
        dir: 'variant',
        files: { 'railway.json': 'railway.json' },
        delete: ['Dockerfile'],
        edits: { '.railway/railway.ts': [{ replace: "'/health'", with: "'/healthz'" }] },
      },
      path.join(root, 'repo'),
      path.join(root, 'copy'),
      root,
    );
    expect(existsSync(path.join(copy, 'railway.json'))).toBe(true);
    expect(existsSync(path.join(copy, 'Dockerfile'))).toBe(false);
    expect(existsSync(path.join(copy, 'node_modules'))).toBe(false);
    expect(await readFile(path.join(copy, '.railway', 'railway.ts'), 'utf8')).toContain("'/healthz'");
    // The good repository is untouched.
    expect(existsSync(path.join(root, 'repo', 'Dockerfile'))).toBe(true);
  });

  it('refuses a path outside the copy and an edit that no longer applies', async () => {
    const root = await repository();
    const repo = path.join(root, 'repo');
    await expect(
      prepareOverlay({ name: 'v', dir: 'variant', delete: ['../x'] }, repo, path.join(root, 'c1'), root),
    ).rejects.toThrow(/not a path inside the repository/);
    await expect(
      prepareOverlay(
        { name: 'v', dir: 'variant', edits: { '.railway/railway.ts': [{ replace: 'absent', with: 'x' }] } },
        repo,
        path.join(root, 'c2'),
        root,
      ),
    ).rejects.toThrow(/not found/);
  });

  it('every overlay variant of the catalog applies to the current good repository', async () => {
    const overlays = faultVariants.filter((variant) => variant.context === 'overlay');
    expect(overlays.length).toBeGreaterThan(0);
    for (const variant of overlays) {
      const good = path.resolve(variant.target === 'reference' ? '.' : 'fixtures/targets/seed-python');
      for (const source of Object.values(variant.files ?? {})) {
        expect(existsSync(path.join(variant.dir, source)), `${variant.name}: ${source}`).toBe(true);
      }
      for (const gone of variant.delete ?? [])
        expect(existsSync(path.join(good, gone)), `${variant.name}: ${gone}`).toBe(true);
      for (const [file, edits] of Object.entries(variant.edits ?? {})) {
        applyDockerfileEdits(await readFile(path.join(good, file), 'utf8'), edits, {
          variant: variant.name,
          dockerfile: file,
        });
      }
    }
  });
});
