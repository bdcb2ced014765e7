/**
 * Which of ESI's response headers the gateway's callers get.
 *
 * @module
 */

/** ESI's response headers a caller gets, besides those with the prefixes below. */
const passed = [
  "content-type",
  "content-language",
  "etag",
  "expires",
  "last-modified",
  "cache-control",
  "x-pages",
  "x-compatibility-date",
  "retry-after",
];
const passedPrefixes = ["x-esi-", "x-ratelimit-"];
/**
 * Every header name a cached entry can hold that callers get (ESI's limit
 * headers describe one exchange and are not stored): on a cache hit these are
 * read one by one, several times cheaper than iterating a `Headers` (which
 * sorts and lower-cases the whole list).
 */
const storedNames = [...passed, "x-esi-request-id"];

/**
 * ESI's headers that matter to a caller, as a record for `c.body()`: caching
 * (`ETag`, `Expires`, `Last-Modified`, `Cache-Control`), `X-Pages`, `X-Esi-*`
 * and `X-Ratelimit-*`, with `Vary` added. A character's answer is marked
 * `private`, so that no shared cache between the caller and the gateway
 * keeps it.
 *
 * @param from ESI's response headers, or a cached entry's.
 * @param usesToken Whether the call was made with a character's token.
 * @param stored Whether `from` is a cached entry's (only stored names are read).
 * @returns The headers to answer with.
 * @example
 * ```ts
 * import { passHeaders } from "./esi_headers.ts";
 * passHeaders(new Headers({ etag: '"a"', server: "nginx" }), false);
 * // { etag: '"a"', vary: "X-Compatibility-Date" }
 * ```
 */
export function passHeaders(
  from: Headers,
  usesToken: boolean,
  stored = false,
): Record<string, string> {
  const out: Record<string, string> = {};
  if (stored) {
    for (const name of storedNames) {
      const value = from.get(name);
      if (value !== null) out[name] = value;
    }
  } else {
    for (const [name, value] of from) {
      if (passed.includes(name) || passedPrefixes.some((p) => name.startsWith(p))) {
        out[name] = value;
      }
    }
  }
  out["vary"] = usesToken ? "Authorization, X-Compatibility-Date" : "X-Compatibility-Date";
  if (usesToken) {
    // A character's data must not sit in shared caches between the caller and the gateway.
    const cc = out["cache-control"];
    out["cache-control"] = cc ? cc.replace(/\bpublic\b/i, "private") : "private";
    if (!/\bprivate\b/i.test(out["cache-control"])) out["cache-control"] += ", private";
  }
  return out;
}
