import { describe, expect, it } from 'vitest';
import { chunkText } from '../../../backend/src/rag/chunk.ts';

const paragraph = (n: number) =>
  Array.from({ length: 5 }, (_, i) => `Paragraph ${n} sentence ${i} talks about topic ${n} at some length.`).join(' ');

describe('chunkText', () => {
  it('keeps a short text as one chunk, trimmed', () => {
    expect(chunkText('\n  # Title\n\nShort body.  \n', { size: 800, overlap: 150 })).toEqual([
      '# Title\n\nShort body.',
    ]);
  });

  it('gives no chunk for empty or blank text', () => {
    expect(chunkText('', { size: 800, overlap: 150 })).toEqual([]);
    expect(chunkText(' \n\n \t\n', { size: 800, overlap: 150 })).toEqual([]);
  });

  it('cuts at paragraph breaks and carries the end of the previous chunk over', () => {
    const paragraphs = [1, 2, 3, 4, 5].map(paragraph);
    expect(paragraphs[0]!.length).toBe(294);
    const chunks = chunkText(paragraphs.join('\n\n'), { size: 700, overlap: 150 });
    expect(chunks[0]).toBe(`${paragraphs[0]}\n\n${paragraphs[1]}`);
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(700);
    // Each paragraph is kept whole in some chunk: no paragraph was cut in two.
    for (const text of paragraphs) expect(chunks.some((chunk) => chunk.includes(text))).toBe(true);
    // The overlap is the word-aligned tail of paragraph 2, at most 150 characters, before paragraph 3.
    const overlap = chunks[1]!.slice(0, chunks[1]!.indexOf(paragraphs[2]!)).trim();
    expect(overlap.length).toBeGreaterThan(100);
    expect(overlap.length).toBeLessThanOrEqual(150);
    expect(paragraphs[1]!.endsWith(overlap)).toBe(true);
    expect(chunks).toHaveLength(4);
  });

  it('cuts a long paragraph at sentence ends, repeating whole sentences as overlap', () => {
    const sentences = Array.from({ length: 40 }, (_, i) => `Sentence ${i} is short.`);
    const chunks = chunkText(sentences.join(' '), { size: 200, overlap: 50 });
    expect(chunks.length).toBeGreaterThan(4);
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(200);
      expect(chunk).toMatch(/^Sentence \d+ is short\..*\.$/s);
    }
    for (let i = 1; i < chunks.length; i++) {
      const first = /^Sentence \d+ is short\./.exec(chunks[i]!)![0];
      // The next chunk starts with a sentence the previous one ended with.
      expect(chunks[i - 1]!.includes(first)).toBe(true);
    }
    expect(chunks[0]).toBe(sentences.slice(0, 9).join(' '));
    expect(chunks[1]!.startsWith('Sentence 7 is short. Sentence 8 is short. Sentence 9 is short.')).toBe(true);
  });

  it('without overlap, the chunks rebuild the text exactly', () => {
    const text = [1, 2, 3, 4].map(paragraph).join('\n\n');
    const chunks = chunkText(text, { size: 400, overlap: 0 });
    expect(chunks).toHaveLength(4);
    expect(chunks.join('\n\n')).toBe(text);
  });

  it('cuts a word longer than a chunk, and still never yields an empty chunk', () => {
    const chunks = chunkText(`intro\n\n${'x'.repeat(2000)}\n\noutro`, { size: 800, overlap: 100 });
    expect(chunks).toEqual(['intro', 'x'.repeat(800), 'x'.repeat(800), `${'x'.repeat(400)}\n\noutro`]);
  });

  it('is deterministic', () => {
    const text = [1, 2, 3].map(paragraph).join('\n\n');
    expect(chunkText(text, { size: 300, overlap: 60 })).toEqual(chunkText(text, { size: 300, overlap: 60 }));
  });

  it('refuses an overlap as long as the chunk', () => {
    expect(() => chunkText('text', { size: 100, overlap: 100 })).toThrow(/overlap/);
    expect(() => chunkText('text', { size: 0, overlap: 0 })).toThrow(/size/);
  });
});
