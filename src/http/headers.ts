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
 * import { assertValidHeaders } from "@esikit/esi";
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
