/**
 * A context "overlay" fault variant: a copy of the good target's repository
 * (its build context) with the variant's files laid over it and its deletions
 * made, for a defect that is in no image (railway.json, the Railway IaC, a
 * document). The copy leaves out what a checkout would not hold: node_modules,
 * .git, reports and scratch folders, and the folder the copy is written to.
 */
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FaultVariant } from '../../fixtures/faults/catalog.ts';
import { applyDockerfileEdits } from '../../fixtures/faults/dockerfile-edits.ts';

const notCopied = new Set(['node_modules', '.git', 'reports', 'tmp', '.shipshape-fault']);

/** Inside the repository: a path of the overlay must not climb out of the copy. */
function inside(root: string, relative: string, variant: string): string {
  const file = path.resolve(root, relative);
  const from = path.relative(root, file);
  if (from === '' || from.startsWith('..') || path.isAbsolute(from)) {
    throw new Error(`fault variant ${variant}: "${relative}" is not a path inside the repository`);
  }
  return file;
}

/**
 * Copies `repository` to `destination` and applies the variant's overlay;
 * returns the copy. A file the overlay names that does not exist fails loudly.
 */
export async function prepareOverlay(
  variant: Pick<FaultVariant, 'name' | 'dir' | 'files' | 'delete' | 'edits'>,
  repository: string,
  destination: string,
  variantsRoot = process.cwd(),
): Promise<string> {
  const target = path.resolve(destination);
  await rm(target, { recursive: true, force: true });
  await mkdir(target, { recursive: true });
  const copy = () =>
    cp(repository, target, {
      recursive: true,
      filter: (source) => {
        const resolved = path.resolve(source);
        if (resolved === target || resolved.startsWith(`${target}${path.sep}`)) return false;
        return !notCopied.has(path.basename(source)) || resolved === path.resolve(repository);
      },
    });
  // A scratch file someone removes while the copy runs is no reason to fail: copy again.
  for (let attempt = 1; ; attempt++) {
    try {
      await copy();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt === 3) throw error;
    }
  }
  for (const relative of variant.delete ?? []) {
    await rm(inside(target, relative, variant.name), { recursive: true, force: true });
  }
  for (const [relative, source] of Object.entries(variant.files ?? {})) {
    const from = path.resolve(variantsRoot, variant.dir, source);
    const to = inside(target, relative, variant.name);
    await mkdir(path.dirname(to), { recursive: true });
    await cp(from, to).catch((error: NodeJS.ErrnoException) => {
      throw new Error(
        `fault variant ${variant.name}: cannot lay ${source} over ${relative} (${error.code ?? error.message})`,
      );
    });
  }
  for (const [relative, edits] of Object.entries(variant.edits ?? {})) {
    const file = inside(target, relative, variant.name);
    const text = await readFile(file, 'utf8').catch(() => {
      throw new Error(`fault variant ${variant.name}: edits name ${relative}, which the repository does not have`);
    });
    await writeFile(file, applyDockerfileEdits(text, edits, { variant: variant.name, dockerfile: relative }));
  }
  return target;
}
