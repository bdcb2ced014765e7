/**
 * Cache keys made short and safe for backends with key limits: the hex
 * SHA-256 of the key, through Web Crypto.
 *
 * @module
 */

const encoder = new TextEncoder();

/**
 * The SHA-256 of a string's UTF-8 bytes, as lower-case hex.
 *
 * @param key The key.
 * @returns 64 hex digits.
 * @example
 * ```ts
 * import { sha256Hex } from "./key_hash.ts";
 * (await sha256Hex("abc")).slice(0, 8); // "ba7816bf"
 * ```
 */
export async function sha256Hex(key: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(key)));
  let hex = "";
  for (const byte of digest) hex += byte.toString(16).padStart(2, "0");
  return hex;
}
