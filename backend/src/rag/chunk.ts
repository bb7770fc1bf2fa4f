export interface ChunkOptions {
  /** Upper bound on a chunk's length in characters. */
  size: number;
  /** Characters of the previous chunk repeated at the start of the next, so an answer split across a boundary is still found whole. */
  overlap: number;
}

/** A unit that is never split further unless it alone exceeds the size, and the text that joins it to the previous one. */
interface Piece {
  text: string;
  joiner: string;
}

/**
 * Splits markdown into chunks of at most `size` characters, cutting at
 * paragraph breaks first, then line breaks, then sentence ends, then spaces,
 * and only inside a word when a single word is longer than a chunk. Pure:
 * the same text always gives the same chunks, which keeps point ids stable.
 */
export function chunkText(text: string, options: ChunkOptions): string[] {
  const { size, overlap } = options;
  if (!Number.isInteger(size) || size < 1) throw new RangeError('chunk size must be a positive integer');
  if (!Number.isInteger(overlap) || overlap < 0 || overlap >= size) {
    throw new RangeError('chunk overlap must be an integer from 0 to below the chunk size');
  }
  const pieces = split(text.replace(/\r\n?/g, '\n'), size);
  const chunks: string[] = [];
  let current: Piece[] = [];
  // Whether `current` holds anything beyond the overlap carried from the previous chunk.
  let fresh = false;
  for (const piece of pieces) {
    if (current.length > 0 && length([...current, piece]) > size) {
      if (fresh) chunks.push(join(current));
      current = tail(current, overlap);
      while (current.length > 0 && length([...current, piece]) > size) current.shift();
    }
    current.push(piece);
    fresh = true;
  }
  if (fresh) chunks.push(join(current));
  return chunks.map((chunk) => chunk.trim()).filter((chunk) => chunk.length > 0);
}

function length(pieces: Piece[]): number {
  return join(pieces).length;
}

function join(pieces: Piece[]): string {
  return pieces.map((piece, index) => (index === 0 ? piece.text : piece.joiner + piece.text)).join('');
}

/** The last pieces that fit in `overlap` characters; a word-aligned end of the last piece when none fits whole. */
function tail(pieces: Piece[], overlap: number): Piece[] {
  if (overlap === 0) return [];
  const kept: Piece[] = [];
  for (let index = pieces.length - 1; index >= 0; index--) {
    const candidate = [pieces[index]!, ...kept];
    if (length(candidate) > overlap) break;
    kept.unshift(pieces[index]!);
  }
  if (kept.length > 0) return kept;
  const last = pieces.at(-1)!.text;
  const end = last.slice(last.length - overlap);
  const space = end.search(/\s/);
  const words = space >= 0 ? end.slice(space).trim() : '';
  return words ? [{ text: words, joiner: ' ' }] : [];
}

/** Breaks text into pieces no longer than `size`, each tagged with the separator it had before it. */
function split(text: string, size: number): Piece[] {
  const pieces: Piece[] = [];
  const levels: { pattern: RegExp; joiner: string }[] = [
    { pattern: /\n[ \t]*\n\s*/, joiner: '\n\n' },
    { pattern: /\n/, joiner: '\n' },
    { pattern: /(?<=[.!?:;…])\s+/, joiner: ' ' },
    { pattern: /\s+/, joiner: ' ' },
  ];
  const visit = (part: string, level: number, joiner: string): void => {
    const trimmed = part.trim();
    if (!trimmed) return;
    if (trimmed.length <= size) {
      pieces.push({ text: trimmed, joiner });
      return;
    }
    const rule = levels[level];
    if (!rule) {
      // One word longer than a chunk (a URL, a base64 blob): cut it, there is no better boundary.
      for (let start = 0; start < trimmed.length; start += size) {
        pieces.push({ text: trimmed.slice(start, start + size), joiner: start === 0 ? joiner : '' });
      }
      return;
    }
    trimmed.split(rule.pattern).forEach((sub, index) => visit(sub, level + 1, index === 0 ? joiner : rule.joiner));
  };
  visit(text, 0, '\n\n');
  return pieces;
}
