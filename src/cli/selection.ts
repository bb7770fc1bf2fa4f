/**
 * What a run will check, decided from the registry before anything starts:
 * a mistyped `--suite` or `--check` is a usage error naming the near ids,
 * not a run that provisions an environment and then finds nothing to run.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { CheckDefinition, TaskDefinition } from '../checks/definition.ts';
import { checks as allChecks, taskById, tasks as allTasks, taskSlug } from '../tasks/index.ts';
import { UsageError } from './args.ts';

export interface Selection {
  tasks: TaskDefinition[];
  /** The checks that will run, in task order. */
  checks: CheckDefinition[];
  /** Only these checks of their tasks (`--check`); undefined: every check of the selected tasks. */
  only: string[] | undefined;
  /** The suite file of each selected task. */
  files: string[];
}

export function selectChecks(suitesDir: string, suites: string[] | undefined, only: string[] | undefined): Selection {
  const unknownTasks = (suites ?? []).filter((id) => !taskById(id));
  if (unknownTasks.length > 0) {
    throw new UsageError(
      `no suite for seed task ${unknownTasks.join(', ')}; available: ${allTasks.map((task) => task.id).join(', ')}`,
    );
  }
  const unknownChecks = (only ?? []).filter((id) => !allChecks.some((check) => check.id === id));
  if (unknownChecks.length > 0) {
    throw new UsageError(unknownChecks.map((id) => `no check named ${id}${suggestion(id)}`).join('\n'));
  }
  const tasks = allTasks.filter((task) => !suites || suites.includes(task.id));
  const checks = tasks.flatMap((task) => task.checks).filter((check) => !only || only.includes(check.id));
  const files = tasks.map((task) => {
    const file = path.join(suitesDir, `${taskSlug(task)}.test.ts`);
    if (!existsSync(file)) throw new Error(`the registry lists task ${task.id} but ${file} does not exist`);
    return file;
  });
  return { tasks, checks, only, files };
}

/** Ids that share the check's task or its name: the likely intended ones. */
function suggestion(id: string): string {
  const [task, name = ''] = id.split('/');
  const words = name.split('-').filter((word) => word.length > 2);
  const near = allChecks
    .map((check) => check.id)
    .filter((candidate) => words.some((word) => candidate.includes(word)) || candidate.startsWith(`${task}/`));
  return near.length > 0 ? `; did you mean ${near.slice(0, 6).join(', ')}?` : '; `npm test -- --list` shows every id';
}

/** `npm test -- --list`: every check by task, with what it requires. */
export function listChecks(): string {
  const lines: string[] = [];
  for (const task of allTasks) {
    lines.push(`${task.id} ${task.title}`);
    for (const check of task.checks) {
      const requires = check.requires.length > 0 ? `  [needs ${check.requires.join(', ')}]` : '';
      lines.push(`  ${check.id.padEnd(40)} ${check.title}${requires}`);
    }
  }
  return lines.join('\n');
}
