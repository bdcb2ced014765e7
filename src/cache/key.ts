/**
 * Cache keys: what makes two calls' answers interchangeable.
 *
 * @module
 */

import { sha256Hex } from "../digest.ts";

const encoder = new TextEncoder();

/** What besides the URL a response varies by. */
export interface KeyContext {
  /** The compatibility date sent. */
  compatibilityDate: string;
  /** The language sent. */
  language: string;
  /** The tenant sent. */
  tenant: string;
}

/**
 * Builds the cache key of a call. It covers the method, the URL (whose query
 * is already sorted), the compatibility date, language and tenant, and the
 * identity behind the token — never the token itself — so one character's
 * data is never served to another.
 *
 * @param method The HTTP method.
 * @param url The full URL, query sorted.
 * @param context The headers the response varies by.
 * @param identity The identity behind the token (a character and its scopes, or a digest of a
 *   raw token), or `""` for public calls.
 * @returns The key.
 * @example
 * ```ts
 * import { cacheKey } from "./key.ts";
 * cacheKey("GET", "https://esi.evetech.net/status", { compatibilityDate: "2026-07-17", language: "en", tenant: "tranquility" }, "");
 * ```
 */
export function cacheKey(
  method: string,
  url: string,
  context: KeyContext,
  identity: string,
): string {
  return `esi:${method} ${url}|${context.compatibilityDate}|${context.language}|${context.tenant}|${identity}`;
}

/**
 * The key a Redis-like backend keeps an entry under: the prefix and the key
 * itself, or its SHA-256 when the key is longer than `maxRawBytes` (Redis
 * memory likes short keys). The `k:` and `h:` tags keep the two apart.
 *
 * @param prefix The store's prefix.
 * @param key The cache key.
 * @param maxRawBytes The longest key (UTF-8 bytes) kept as it is.
 * @returns The backend's key.
 * @example
 * ```ts
 * import { backendKey } from "./key.ts";
 * await backendKey("esikit:cache:", "esi:GET https://esi.evetech.net/status", 256);
 * ```
 */
export async function backendKey(
  prefix: string,
  key: string,
  maxRawBytes: number,
): Promise<string> {
  return encoder.encode(key).length <= maxRawBytes
    ? `${prefix}k:${key}`
    : `${prefix}h:${await sha256Hex(key)}`;
}
