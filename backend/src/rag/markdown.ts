import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { IngestDocument } from '../contracts.ts';

/**
 * Every *.md file under `folder`, as documents: title from the first `# `
 * heading (else the file name), file_path relative to the folder with `/`
 * separators (stable across machines, so it can serve as the document id),
 * url = `baseUrl` + that path when a base is given.
 */
export async function readMarkdownFolder(folder: string, baseUrl?: string): Promise<IngestDocument[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((entry) => entry.isFile() && entry.name.toLowerCase().endsWith('.md'))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
  const documents: IngestDocument[] = [];
  for (const file of files) {
    const text = await readFile(file, 'utf8');
    const filePath = path.relative(folder, file).split(path.sep).join('/');
    documents.push({
      id: filePath,
      title: markdownTitle(text) ?? path.basename(file, path.extname(file)),
      file_path: filePath,
      ...(baseUrl ? { url: joinUrl(baseUrl, filePath) } : {}),
      text,
    });
  }
  return documents;
}

/** The first level-one ATX heading, outside front matter. */
export function markdownTitle(text: string): string | undefined {
  const body = text.replace(/^---\r?\n[\s\S]*?\r?\n---\r?\n/, '');
  const match = /^#[ \t]+(.+?)[ \t#]*$/m.exec(body);
  return match?.[1]?.trim() || undefined;
}

function joinUrl(base: string, filePath: string): string {
  const encoded = filePath.split('/').map(encodeURIComponent).join('/');
  return `${base.replace(/\/+$/, '')}/${encoded}`;
}
