import path from 'node:path';
import type { Reporter, SerializedError, TestCase, TestModule } from 'vitest/node';
import type { CheckRecord } from './summary.ts';

/**
 * A Vitest reporter that turns test results into check records. Errors that
 * are not a test's own (a suite that failed to load, the global setup, an
 * unhandled rejection) are harness errors: the run could not judge the target.
 */
export class CheckCollector implements Reporter {
  private readonly records = new Map<string, CheckRecord>();
  readonly harnessErrors: string[] = [];
  private readonly only: ReadonlySet<string> | undefined;

  /** `only`: the ids `--check` asked for; the checks it filtered out are not part of the run's verdict. */
  constructor(only?: readonly string[]) {
    this.only = only && new Set(only);
  }

  /** Every verdict so far, in the order they came: a run cut short still reports the checks it finished. */
  get checks(): CheckRecord[] {
    return [...this.records.values()];
  }

  onTestCaseResult(testCase: TestCase): void {
    if (this.only && !this.only.has(testCase.name)) return;
    const record = toRecord(testCase, testCase.module);
    if (record) this.records.set(record.id, record);
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    for (const module of testModules) {
      for (const error of module.errors()) {
        this.harnessErrors.push(`${path.basename(module.moduleId)}: ${firstLine(error.message)}`);
      }
      for (const testCase of module.children.allTests()) {
        if (this.only && !this.only.has(testCase.name)) continue;
        const record = toRecord(testCase, module);
        if (record) this.records.set(record.id, record);
      }
    }
    for (const error of unhandledErrors) this.harnessErrors.push(firstLine(error.message ?? String(error)));
  }
}

function toRecord(testCase: TestCase, module: TestModule): CheckRecord | undefined {
  const result = testCase.result();
  if (result.state === 'pending') return undefined;
  const meta = testCase.meta().shipshape;
  const fallbackTask = /^(\d+\.\d+)-/.exec(path.basename(module.moduleId))?.[1] ?? 'harness';
  const record: CheckRecord = {
    // A check's test is named by its id; meta may not have reached this process yet when a result first arrives.
    id: meta?.id ?? testCase.name,
    task: meta?.task ?? fallbackTask,
    title: meta?.title,
    status: result.state,
    durationMs: Math.round(testCase.diagnostic()?.duration ?? 0),
    message: '',
    hint: meta?.hint,
    kind: meta?.kind,
  };
  if (meta?.attachments?.length) record.attachments = meta.attachments;
  if (result.state === 'skipped') {
    record.message = result.note ?? 'skipped';
  } else if (result.state === 'failed') {
    // A CheckFailedError carries its verdict in meta; anything else is an error in the probe itself.
    record.message = meta?.message ?? firstLine(result.errors[0]?.message ?? 'failed');
    record.evidence = meta?.evidence;
  } else {
    record.message = meta?.message ?? 'passed';
  }
  return record;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
