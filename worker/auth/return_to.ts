/**
 * Where a login may send the browser back to: only to an origin the settings
 * allow (`AUTH_RETURN_ORIGINS`), so the gateway is never an open redirect.
 * The raw text is checked before any URL parser sees it, because parsers
 * forgive what browsers then read differently (`/\evil.com`, tabs, `%2f`).
 *
 * @module
 */

// Control characters, space, backslash: a browser may drop or reinterpret them.
// deno-lint-ignore no-control-regex
const forbidden = /[\x00-\x20\x7f\\]/;

/**
 * Checks a `return_to`: an absolute `http(s)` URL whose origin is one of
 * `origins`, written plainly (no user-info, no backslash, no whitespace or
 * control character, no percent-encoding in the authority).
 *
 * @param raw The caller's `return_to`.
 * @param origins The allowed origins, e.g. `["https://app.example"]`.
 * @returns The URL to redirect to, or `undefined` when it is not allowed.
 * @example
 * ```ts
 * import { checkReturnTo } from "./return_to.ts";
 * checkReturnTo("https://app.example/home", ["https://app.example"]); // "https://app.example/home"
 * checkReturnTo("//evil.com", ["https://app.example"]); // undefined
 * ```
 */
export function checkReturnTo(raw: string, origins: readonly string[]): string | undefined {
  if (raw.length > 2048 || forbidden.test(raw)) return undefined;
  for (const origin of origins) {
    // The origin must be followed by the end, a path, a query or a fragment:
    // `https://app.example.evil.com` and `https://app.example@evil.com` fail here.
    if (raw !== origin && !/^[/?#]$/.test(raw.charAt(origin.length))) continue;
    if (raw.slice(0, origin.length).toLowerCase() !== origin) continue;
    if (!URL.canParse(raw)) return undefined;
    const url = new URL(raw);
    if (url.origin !== origin || url.username || url.password) return undefined;
    return url.href;
  }
  return undefined;
}
