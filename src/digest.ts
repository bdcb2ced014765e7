/**
 * SHA-256 as lower-case hex, through Web Crypto: for cache keys, request
 * signatures and token digests.
 *
 * @module
 */

const encoder = new TextEncoder();

/**
 * Lower-case hex SHA-256 of some bytes or text.
 *
 * @param data The bytes, or text to encode as UTF-8.
 * @returns The digest, 64 hex characters.
 * @example
 * ```ts
 * import { sha256Hex } from "./digest.ts";
 * await sha256Hex(""); // "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
 * ```
 */
export async function sha256Hex(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource)));
}

/**
 * Bytes as lower-case hex.
 *
 * @param bytes The bytes.
 * @returns Two hex digits per byte.
 * @example
 * ```ts
 * import { toHex } from "./digest.ts";
 * toHex(new Uint8Array([1, 255])); // "01ff"
 * ```
 */
export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}
