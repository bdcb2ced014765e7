/**
 * Cache keys: what makes two calls' answers interchangeable.
 *
 * @module
 */

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
 * import { cacheKey } from "@esikit/esi";
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
