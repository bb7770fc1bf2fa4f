import { createHash } from 'node:crypto';

/** A fixed namespace for this project's chunk ids; changing it would orphan every stored point. */
const namespace = '5d3c4f9e-7a61-5b0a-9c2e-3f1d8b7a6e42';

/**
 * RFC 9562 UUIDv5 of a name: the same document and chunk index always give
 * the same Qdrant point id, so re-ingesting a document overwrites its points
 * instead of adding copies.
 */
export function uuidV5(name: string, space: string = namespace): string {
  const hash = createHash('sha1')
    .update(Buffer.from(space.replaceAll('-', ''), 'hex'))
    .update(name, 'utf8')
    .digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function chunkId(documentId: string, index: number): string {
  return uuidV5(`${documentId}#${index}`);
}
