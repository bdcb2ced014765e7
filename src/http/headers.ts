/**
 * Checking caller-supplied headers before anything is sent.
 *
 * @module
 */

import { EsiRequestError } from "../errors.ts";

const token = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Field values: visible ASCII, obs-text, spaces and tabs; never CR, LF or NUL.
const fieldValue = /^[\t\x20-\x7e\x80-\xff]*$/;
const secretHeaders = new Set(["authorization", "cookie", "x-api-key", "x-signature"]);

/**
 * Checks header names and values, so that a bad one is refused with a clear
 * error instead of failing deep inside `fetch` (or, worse, being split into
 * two headers).
 *
 * @param headers The headers by name.
 * @throws {EsiRequestError} Naming the header, and its value unless it is a secret.
 * @example
 * ```ts
 * import { assertValidHeaders } from "./headers.ts";
 * assertValidHeaders({ "X-Tenant": "tranquility" });
 * ```
 */
export function assertValidHeaders(headers: Record<string, string>): void {
  for (const name in headers) {
    const value = headers[name];
    if (!token.test(name)) {
      throw new EsiRequestError(`Cannot send header "${name}": the name is not a valid token`);
    }
    if (typeof value !== "string" || !fieldValue.test(value)) {
      const shown = secretHeaders.has(name.toLowerCase()) ? "<redacted>" : JSON.stringify(value);
      throw new EsiRequestError(
        `Cannot send header "${name}": the value ${shown} has characters a header cannot carry`,
      );
    }
  }
}

/**
 * Headers the client sets from its own options, and why: given as extra
 * headers they would change the request but not the cache and coalescing
 * keys, and one caller's German, other tenant or character answer would be
 * served to the next.
 */
const managedHeaders: Readonly<Record<string, string>> = {
  "accept-language": 'the "language" option or withLanguage()',
  "x-compatibility-date": 'the "compatibilityDate" option or withCompatibilityDate()',
  "x-tenant": 'the "tenant" option',
  "authorization": 'the "token" option',
  "user-agent": 'the "userAgent" option',
  "if-none-match": "its cache when it revalidates",
};

/**
 * Whether the client sets this header itself (see {@link assertExtraHeaders}).
 *
 * @param name A header name, any case.
 * @returns `true` for `Accept-Language`, `X-Compatibility-Date`, `X-Tenant`,
 * `Authorization`, `User-Agent` and `If-None-Match`.
 * @example
 * ```ts ignore
 * isManagedHeader("accept-language"); // true
 * ```
 */
export function isManagedHeader(name: string): boolean {
  return Object.hasOwn(managedHeaders, name.toLowerCase());
}

/**
 * Checks extra headers given to the client (its `headers` option,
 * `withHeaders()`, a call's `headers`): valid, and none that the client sets
 * from its options, which key its cache.
 *
 * @param headers The headers by name.
 * @throws {EsiRequestError} Naming the header and the option to use instead.
 * @example
 * ```ts ignore
 * assertExtraHeaders({ "X-Trace": "1" }); // fine
 * assertExtraHeaders({ "Accept-Language": "de" }); // throws: use withLanguage("de")
 * ```
 */
export function assertExtraHeaders(headers: Record<string, string>): void {
  assertValidHeaders(headers);
  for (const name in headers) {
    const instead = managedHeaders[name.toLowerCase()];
    if (instead !== undefined) {
      throw new EsiRequestError(
        `Cannot send header "${name}" as an extra header: the client sets it from ${instead}, and it keys the cache`,
      );
    }
  }
}
