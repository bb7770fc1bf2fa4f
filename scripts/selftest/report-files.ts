import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** The run reports' timestamp form: 2026-12-02T06-25-00Z (no colons, safe in any file name). */
export function reportStamp(date: Date): string {
  return date
    .toISOString()
    .replaceAll(':', '-')
    .replace(/\.\d+Z$/, 'Z');
}

/** Writes `<dir>/<base>.md` and `<dir>/<base>.json`; returns their paths. */
export async function writeReportPair(
  dir: string,
  base: string,
  markdown: string,
  data: unknown,
): Promise<{ markdown: string; json: string }> {
  await mkdir(dir, { recursive: true });
  const files = { markdown: path.join(dir, `${base}.md`), json: path.join(dir, `${base}.json`) };
  await writeFile(files.markdown, markdown);
  await writeFile(files.json, `${JSON.stringify(data, null, 2)}\n`);
  return files;
}
