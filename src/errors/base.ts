/**
 * The base of the error hierarchy: the codes, and `EsiError`.
 *
 * @module
 */

/** Every failure esikit reports, as a stable string. */
export type EsiErrorCode =
  | "ERR_INVALID_REQUEST"
  | "ERR_MISSING_SCOPE"
  | "ERR_HTTP_CLIENT"
  | "ERR_HTTP_SERVER"
  | "ERR_UNAUTHORIZED"
  | "ERR_FORBIDDEN"
  | "ERR_NOT_FOUND"
  | "ERR_ERROR_LIMIT"
  | "ERR_RATE_LIMIT"
  | "ERR_CIRCUIT_OPEN"
  | "ERR_TIMEOUT"
  | "ERR_NETWORK"
  | "ERR_ABORTED"
  | "ERR_INVALID_RESPONSE"
  | "ERR_PAGINATION"
  | "ERR_SSO"
  | "ERR_TOKEN_INVALID"
  | "ERR_TOKEN_REVOKED"
  | "ERR_STORE";

/**
 * The base class of every error esikit throws.
 *
 * @example Telling failures apart by code
 * ```ts
 * import { EsiError } from "@esikit/esi";
 *
 * function describe(err: unknown): string {
 *   if (err instanceof EsiError && err.code === "ERR_ERROR_LIMIT") return "slow down";
 *   return String(err);
 * }
 * describe(new Error("x"));
 * ```
 */
export class EsiError extends Error {
  /** A stable identifier of the failure. */
  readonly code: EsiErrorCode;
  /** How many tries reached for ESI before the call failed (0: none was sent). */
  attempts = 0;

  /**
   * Creates the error.
   *
   * @param code The failure's code.
   * @param message A sentence-case message naming what failed, with values quoted.
   * @param options `cause`: the underlying failure.
   */
  constructor(code: EsiErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}
