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

/** How {@link passHeaders} reads ESI's headers. */
export interface PassOptions {
  /** Whether the call was made with a character's token. */
  usesToken: boolean;
  /** Whether the headers are a cached entry's (only stored names are read). */
  stored?: boolean;
  /**
   * When the answer stops being fresh, as the module worked it out (epoch
   * milliseconds): sent as `Expires`, in place of ESI's.
   */
  expiresAt?: number;
}

/**
 * ESI's headers that matter to a caller, as a record for `c.body()`: caching
 * (`ETag`, `Expires`, `Last-Modified`, `Cache-Control`), `X-Pages`, `X-Esi-*`
 * and `X-Ratelimit-*`, with `Vary` added. A character's answer is marked
 * `private`, so that no shared cache between the caller and the gateway
 * keeps it, and varies by `Authorization` and `Cookie` (a session's
 * character is named by its cookie).
 *
 * Freshness is left to `Expires`, from the module's reckoning when given:
 * `max-age` counts from when ESI answered, and an answer served from the
 * cache later, without an `Age`, would stay fresh downstream for longer than
 * ESI allows.
 *
 * @param from ESI's response headers, or a cached entry's.
 * @param options Whether a token was used, whether `from` is a cached entry's, the expiry.
 * @returns The headers to answer with.
 * @example
 * ```ts
 * import { passHeaders } from "./headers.ts";
 * passHeaders(new Headers({ etag: '"a"', server: "nginx" }), { usesToken: false });
 * // { etag: '"a"', vary: "Accept-Language, X-Compatibility-Date" }
 * ```
 */
export function passHeaders(
  from: Headers,
  { usesToken, stored = false, expiresAt }: PassOptions,
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
  if (expiresAt !== undefined && Number.isFinite(expiresAt)) {
    out["expires"] = new Date(expiresAt).toUTCString();
  }
  out["vary"] = usesToken
    ? "Authorization, Cookie, Accept-Language, X-Compatibility-Date"
    : "Accept-Language, X-Compatibility-Date";
  const cacheControl = callerCacheControl(out["cache-control"], usesToken, "expires" in out);
  if (cacheControl) out["cache-control"] = cacheControl;
  else delete out["cache-control"];
  return out;
}

/**
 * ESI's `Cache-Control` as a caller gets it: without `max-age` and
 * `s-maxage` when `Expires` says the same from a fixed point, and `private`
 * instead of `public` on a character's answer.
 */
function callerCacheControl(
  value: string | undefined,
  usesToken: boolean,
  hasExpires: boolean,
): string | undefined {
  if (value === undefined && !usesToken) return undefined;
  const kept = (value ?? "").split(",").map((d) => d.trim()).filter((d) =>
    d !== "" && !(hasExpires && /^(s-)?max-age\s*=/i.test(d)) &&
    !(usesToken && /^(public|private)$/i.test(d))
  );
  // A character's data must not sit in shared caches between the caller and the gateway.
  if (usesToken) kept.unshift("private");
  return kept.length ? kept.join(", ") : undefined;
}

/**
 * Whether an `If-None-Match` list holds this ETag (weak comparison, as RFC
 * 9110 asks for GET).
 *
 * @param ifNoneMatch The caller's `If-None-Match`.
 * @param etag The stored answer's ETag.
 * @returns Whether the caller has the answer already.
 * @example
 * ```ts
 * import { matchesEtag } from "./headers.ts";
 * matchesEtag('W/"a", "b"', '"a"'); // true
 * ```
 */
export function matchesEtag(
  ifNoneMatch: string | null | undefined,
  etag: string | undefined,
): boolean {
  if (!ifNoneMatch || !etag) return false;
  // The usual case, a caller echoing the ETag it was given: no list to split.
  if (ifNoneMatch === etag) return true;
  if (ifNoneMatch.trim() === "*") return true;
  const bare = (tag: string) => tag.trim().replace(/^W\//i, "");
  const wanted = bare(etag);
  return ifNoneMatch.split(",").some((tag) => bare(tag) === wanted);
}
