/**
 * A cache entry as bytes, for the stores that keep bytes (Deno KV, Redis, the
 * Web Cache API). The format is checked whole on every read: a corrupted,
 * truncated or foreign value decodes to `undefined`, a miss, never to garbage
 * and never to a throw.
 *
 * Layout, little-endian:
 *
 * | offset | size | field |
 * | --- | --- | --- |
 * | 0 | 4 | magic `ESIC` |
 * | 4 | 1 | format version (1) |
 * | 5 | 1 | reserved (0) |
 * | 6 | 2 | HTTP status |
 * | 8 | 8 | `storedAt` (float64, epoch ms) |
 * | 16 | 8 | `expiresAt` (float64, epoch ms) |
 * | 24 | 8 | `keepUntil` (float64, epoch ms; when the store may drop it) |
 * | 32 | 4 | headers length *h* |
 * | 36 | 4 | body length *b* |
 * | 40 | *h* | headers, JSON, UTF-8 |
 * | 40 + *h* | *b* | body |
 * | 40 + *h* + *b* | 4 | CRC-32 of everything before it |
 *
 * @module
 */

import type { CacheEntry } from "./store.ts";
import { crc32 } from "./crc32.ts";

const MAGIC = [0x45, 0x53, 0x49, 0x43]; // "ESIC"
const VERSION = 1;
const FIXED = 40;
const TRAILER = 4;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * A decoded entry and the time its store may drop it.
 *
 * @example
 * ```ts
 * import { decodeEntry, type DecodedEntry } from "./codec.ts";
 * const decoded: DecodedEntry | undefined = decodeEntry(new Uint8Array(0));
 * decoded; // undefined
 * ```
 */
export interface DecodedEntry {
  /** The entry. */
  entry: CacheEntry;
  /**
   * When the store may drop the entry, in epoch milliseconds: its write time
   * plus the TTL it was written with. `Infinity` when it was written without one.
   */
  keepUntil: number;
}

/**
 * Encodes an entry as bytes.
 *
 * @param entry The entry.
 * @param keepUntil When the store may drop it, in epoch milliseconds.
 * @returns The bytes; decode them with {@link decodeEntry}.
 * @throws {RangeError} When the status is not an HTTP status or a time is not a number.
 * @example
 * ```ts
 * import { decodeEntry, encodeEntry } from "./codec.ts";
 *
 * const entry = {
 *   status: 200,
 *   headers: { etag: '"abc"' },
 *   body: new TextEncoder().encode("{}"),
 *   storedAt: Date.now(),
 *   expiresAt: Date.now() + 60_000,
 * };
 * const bytes = encodeEntry(entry, Date.now() + 120_000);
 * decodeEntry(bytes)?.entry.headers.etag; // '"abc"'
 * decodeEntry(bytes.subarray(0, 10)); // undefined
 * ```
 */
export function encodeEntry(entry: CacheEntry, keepUntil: number = Infinity): Uint8Array {
  const { status, storedAt, expiresAt, body } = entry;
  if (!Number.isInteger(status) || status < 100 || status > 999) {
    throw new RangeError(`Cannot encode a cache entry with status "${status}"`);
  }
  for (const [name, time] of [["storedAt", storedAt], ["expiresAt", expiresAt]] as const) {
    if (typeof time !== "number" || Number.isNaN(time)) {
      throw new RangeError(`Cannot encode a cache entry with ${name} "${time}"`);
    }
  }
  if (typeof keepUntil !== "number" || Number.isNaN(keepUntil)) {
    throw new RangeError(`Cannot encode a cache entry with keepUntil "${keepUntil}"`);
  }
  const headers = encoder.encode(JSON.stringify(entry.headers));
  const out = new Uint8Array(FIXED + headers.length + body.length + TRAILER);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  out[4] = VERSION;
  view.setUint16(6, status, true);
  view.setFloat64(8, storedAt, true);
  view.setFloat64(16, expiresAt, true);
  view.setFloat64(24, keepUntil, true);
  view.setUint32(32, headers.length, true);
  view.setUint32(36, body.length, true);
  out.set(headers, FIXED);
  out.set(body, FIXED + headers.length);
  const end = out.length - TRAILER;
  view.setUint32(end, crc32(out.subarray(0, end)), true);
  return out;
}

/**
 * Decodes bytes written by {@link encodeEntry}. The entry's body is a view
 * into `bytes`, not a copy.
 *
 * @param bytes The bytes.
 * @returns The entry and its drop time, or `undefined` when the bytes are
 *   not a whole, intact entry of this format.
 * @example
 * ```ts
 * import { decodeEntry } from "./codec.ts";
 * decodeEntry(new Uint8Array([1, 2, 3])); // undefined
 * ```
 */
export function decodeEntry(bytes: Uint8Array): DecodedEntry | undefined {
  if (!(bytes instanceof Uint8Array) || bytes.length < FIXED + TRAILER) return undefined;
  for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC[i]) return undefined;
  if (bytes[4] !== VERSION) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headersLength = view.getUint32(32, true);
  const bodyLength = view.getUint32(36, true);
  const end = FIXED + headersLength + bodyLength;
  if (end + TRAILER !== bytes.length) return undefined;
  if (view.getUint32(end, true) !== crc32(bytes.subarray(0, end))) return undefined;
  const status = view.getUint16(6, true);
  const storedAt = view.getFloat64(8, true);
  const expiresAt = view.getFloat64(16, true);
  const keepUntil = view.getFloat64(24, true);
  if (Number.isNaN(storedAt) || Number.isNaN(expiresAt) || Number.isNaN(keepUntil)) {
    return undefined;
  }
  const headers = parseHeaders(bytes.subarray(FIXED, FIXED + headersLength));
  if (!headers) return undefined;
  const body = bytes.subarray(FIXED + headersLength, end);
  return { entry: { status, headers, body, storedAt, expiresAt }, keepUntil };
}

function parseHeaders(bytes: Uint8Array): Record<string, string> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(bytes));
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined;
  for (const value of Object.values(parsed)) if (typeof value !== "string") return undefined;
  return parsed as Record<string, string>;
}
