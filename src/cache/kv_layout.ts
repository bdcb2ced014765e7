/**
 * How `DenoKvCache` lays an entry out in Deno KV: the limits it keeps
 * under, the head record and its check, the key's stored form, and a key's
 * size. Runtime-agnostic: the KV calls themselves stay in ./deno_kv.ts.
 *
 * @module
 */

const encoder = new TextEncoder();

/** Largest key kept as is; longer ones are hashed (KV allows 2 KiB per key). */
export const MAX_RAW_KEY_BYTES = 200;
/** Largest encoded entry kept inline in the head (KV allows 64 KiB per value). */
export const MAX_INLINE_BYTES = 63_488;
/** The size of a chunk: KV's value limit. */
export const CHUNK_BYTES = 65_536;
/** Most chunks written together with the head in one atomic operation. */
export const MAX_CHUNKS_WITH_HEAD = 11;
/** What one atomic operation may carry, under KV's 819,200 bytes and 1000 mutations. */
export const MAX_OP_BYTES = 800_000;
export const MAX_OP_MUTATIONS = 900;
/** How many reads `getMany` takes at once (KV's limit). */
export const MAX_GET_MANY = 10;
/** Chunks outlive their head a little, so a reader that just read the head finds them. */
export const CHUNK_GRACE_MS = 60_000;
/** Checked head flips before an unchecked one. */
export const MAX_CHECKED_TRIES = 8;

/** The head record, as stored. */
export interface Head {
  v: 1;
  /** When the entry may be dropped, epoch ms. */
  until: number;
  /** Inline: the encoded entry. */
  data?: Uint8Array;
  /** Chunked: the write id, the chunk count and the encoded length. */
  id?: string;
  n?: number;
  len?: number;
}

/**
 * A cache key as a KV key part: as is up to {@link MAX_RAW_KEY_BYTES}
 * UTF-8 bytes, its SHA-256 beyond.
 */
export async function keyPart(key: string): Promise<string | Uint8Array> {
  const bytes = encoder.encode(key);
  if (bytes.length <= MAX_RAW_KEY_BYTES) return key;
  // A hash is bytes and a raw key a string: the two can never collide.
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

/** A head as stored, or `undefined` when it is not one. */
export function readHead(value: unknown): Head | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const head = value as Partial<Head>;
  if (head.v !== 1 || typeof head.until !== "number") return undefined;
  if (head.data instanceof Uint8Array) return head as Head;
  if (
    typeof head.id === "string" && Number.isInteger(head.n) && head.n! > 0 &&
    Number.isInteger(head.len) && head.len! > 0
  ) {
    return head as Head;
  }
  return undefined;
}

/** An upper bound on a key's encoded size, for the atomic operation budget. */
export function keySize(key: readonly unknown[]): number {
  let size = 0;
  for (const part of key) {
    if (typeof part === "string") size += encoder.encode(part).length + 2;
    else if (part instanceof Uint8Array) size += part.length * 2 + 2;
    else size += 24;
  }
  return size;
}
