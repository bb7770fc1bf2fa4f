/**
 * Data flows one way: CLI -> config -> environment -> checks -> verdicts ->
 * report (DESIGN.md section 1). A module may import its own layer and the
 * layers below it, never one above: support helpers know nothing of checks,
 * environments nothing of tasks, and one task never reaches into another.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/** Bottom to top. */
// railway (Railway's API client and the deploy) sits above environments and below checks: tasks' checks
// (4.1, 4.3, 2.2) call it, and it knows nothing of checks.
// load (the load engine: HTTP and WebSocket load, exact histograms, thresholds judged, Docker stats) sits
// above the environments it drives and below the checks, reports and benchmarks that share it.
// monitor (npm run monitor: readiness polling, its state machine and uptime report) reads the config and
// target's shape only; nothing below it knows of it.
const layers = [
  'support',
  'config',
  'target',
  'environments',
  'railway',
  'load',
  'monitor',
  'checks',
  'tasks',
  'report',
  'cli',
] as const;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

function layerOf(file: string): string {
  return path.relative('src', file).split(path.sep)[0]!;
}

function relativeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((match) =>
    path.join(path.dirname(file), match[1]!),
  );
}

const files = sourceFiles('src');

describe('layers', () => {
  it('every folder of src/ is a known layer', () => {
    expect([...new Set(files.map(layerOf))].filter((layer) => !layers.includes(layer as never))).toEqual([]);
  });

  it('no module imports a layer above its own', () => {
    const violations: string[] = [];
    for (const file of files) {
      const own = layers.indexOf(layerOf(file) as (typeof layers)[number]);
      for (const target of relativeImports(file)) {
        const other = layers.indexOf(layerOf(target) as (typeof layers)[number]);
        if (other > own) violations.push(`${file} imports ${target}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it("a task's folder imports no other task's folder (shared code lives in support/)", () => {
    const violations: string[] = [];
    for (const file of files.filter((name) => layerOf(name) === 'tasks')) {
      const task = path.relative('src/tasks', file).split(path.sep)[0]!;
      for (const target of relativeImports(file)) {
        if (layerOf(target) !== 'tasks') continue;
        const other = path.relative('src/tasks', target).split(path.sep)[0]!;
        // index.ts is the registry: it imports every task by design.
        if (task !== 'index.ts' && other !== task) violations.push(`${file} imports ${target}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('the checker sees an import that crosses a layer', () => {
    // A check that cannot fail is no check: the pattern must find this file's own kind of import.
    const sample = relativeImports('src/checks/run.ts');
    expect(sample.some((target) => layerOf(target) === 'support')).toBe(true);
  });
});
