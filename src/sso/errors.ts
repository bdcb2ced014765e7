/**
 * The errors of EVE SSO: failed calls to the SSO, access tokens that do not
 * verify, and characters whose grant is gone. Messages never hold a secret, a
 * token or an authorization code.
 *
 * @module
 */

import { EsiError } from "../errors.ts";

/** The SSO call that failed. */
export type SsoOperation = "metadata" | "jwks" | "exchange" | "refresh" | "revoke";

/** What is known of a failed SSO call. */
export interface EsiSsoErrorInit {
  /** The SSO call that failed. */
  operation: SsoOperation;
  /** The HTTP status the SSO answered, when it answered. */
  status?: number;
  /** The OAuth `error` code of the answer (`invalid_grant`, `invalid_client`, …). */
  oauthError?: string;
  /** The OAuth `error_description` of the answer, secrets redacted. */
  oauthErrorDescription?: string;
  /** The underlying failure. */
  cause?: unknown;
}

/**
 * A call to EVE SSO failed: the SSO answered with an OAuth error, with an
 * unusable body, or not at all. `oauthError` carries the OAuth error code.
 *
 * @example Telling a spent authorization code apart
 * ```ts
 * import { EsiSsoError } from "@esikit/esi/sso";
 *
 * const err = new EsiSsoError("Cannot exchange the code: invalid_grant", {
 *   operation: "exchange",
 *   status: 400,
 *   oauthError: "invalid_grant",
 * });
 * err.code; // "ERR_SSO"
 * err.oauthError; // "invalid_grant"
 * ```
 */
export class EsiSsoError extends EsiError {
  /** The SSO call that failed. */
  readonly operation: SsoOperation;
  /** The HTTP status the SSO answered, when it answered. */
  readonly status?: number;
  /** The OAuth `error` code of the answer. */
  readonly oauthError?: string;
  /** The OAuth `error_description` of the answer, secrets redacted. */
  readonly oauthErrorDescription?: string;

  /**
   * Creates the error.
   *
   * @param message A sentence-case message naming what failed; no secrets.
   * @param init The call, the status and the OAuth error.
   */
  constructor(message: string, init: EsiSsoErrorInit) {
    super("ERR_SSO", message, { cause: init.cause });
    this.operation = init.operation;
    this.status = init.status;
    this.oauthError = init.oauthError;
    this.oauthErrorDescription = init.oauthErrorDescription;
  }
}

/**
 * Why an access token was refused:
 * - `"malformed"`: not a compact JWS, or its JSON cannot be read;
 * - `"algorithm"`: `alg` is not RS256 or ES256 (`none` and HMAC included);
 * - `"unknown_key"`: no key of the JWKS has the token's `kid`, even after a refetch;
 * - `"key_mismatch"`: the `kid` names a key of another type or algorithm;
 * - `"signature"`: the signature does not verify (altered, or signed by a foreign key);
 * - `"issuer"`: `iss` is not one of the accepted issuers;
 * - `"audience"`: `aud` lacks the client id or `"EVE Online"`, or `azp` names another application;
 * - `"expired"`: `exp` has passed (beyond the leeway);
 * - `"not_yet_valid"`: `nbf` or `iat` is in the future (beyond the leeway);
 * - `"subject"`: `sub` is not `CHARACTER:EVE:<digits>`, or names another character;
 * - `"claims"`: another claim is missing or of the wrong type;
 * - `"critical_header"`: the header's `crit` names an extension esikit does not support;
 * - `"missing"`: there is no token at all for the character.
 */
export type TokenInvalidReason =
  | "malformed"
  | "algorithm"
  | "unknown_key"
  | "key_mismatch"
  | "signature"
  | "issuer"
  | "audience"
  | "expired"
  | "not_yet_valid"
  | "subject"
  | "claims"
  | "critical_header"
  | "missing";

/**
 * An access token failed verification, or there is none. `reason` says which
 * check refused it.
 *
 * @example
 * ```ts
 * import { EsiTokenInvalidError } from "@esikit/esi/sso";
 *
 * const err = new EsiTokenInvalidError("expired", 'Cannot verify the access token: "exp" has passed');
 * err.code; // "ERR_TOKEN_INVALID"
 * err.reason; // "expired"
 * ```
 */
export class EsiTokenInvalidError extends EsiError {
  /** Which check refused the token. */
  readonly reason: TokenInvalidReason;

  /**
   * Creates the error.
   *
   * @param reason Which check refused the token.
   * @param message A sentence-case message; never the token itself.
   * @param options `cause`: the underlying failure.
   */
  constructor(reason: TokenInvalidReason, message: string, options?: ErrorOptions) {
    super("ERR_TOKEN_INVALID", message, options);
    this.reason = reason;
  }
}

/**
 * The SSO no longer honours a character's refresh token (it answered
 * `invalid_grant`: revoked by the player, the character sold, or the token
 * spent). The character must log in again; until then every call for it fails
 * fast with this error, without asking the SSO.
 *
 * @example
 * ```ts
 * import { EsiTokenRevokedError } from "@esikit/esi/sso";
 *
 * const err = new EsiTokenRevokedError(2112625428);
 * err.code; // "ERR_TOKEN_REVOKED"
 * err.characterId; // 2112625428
 * ```
 */
export class EsiTokenRevokedError extends EsiError {
  /** The character whose grant is gone. */
  readonly characterId: number;

  /**
   * Creates the error.
   *
   * @param characterId The character whose grant is gone.
   * @param message A sentence-case message; a default names the character.
   * @param options `cause`: the SSO's answer, when this call received it.
   */
  constructor(characterId: number, message?: string, options?: ErrorOptions) {
    super(
      "ERR_TOKEN_REVOKED",
      message ??
        `Cannot use the token of character "${characterId}": it was revoked; the character must log in again`,
      options,
    );
    this.characterId = characterId;
  }
}

/**
 * A stored token record cannot be read: it was tampered with, sealed with
 * another key, or is not a token record at all.
 *
 * @example
 * ```ts
 * import { EsiTokenStoreError } from "@esikit/esi/sso";
 *
 * const err = new EsiTokenStoreError(2112625428, "the data is not authentic");
 * err.code; // "ERR_STORE"
 * ```
 */
export class EsiTokenStoreError extends EsiError {
  /** The character whose record cannot be read. */
  readonly characterId: number;

  /**
   * Creates the error.
   *
   * @param characterId The character whose record cannot be read.
   * @param why Why it cannot be read.
   * @param options `cause`: the underlying failure.
   */
  constructor(characterId: number, why: string, options?: ErrorOptions) {
    super(
      "ERR_STORE",
      `Cannot read the stored token of character "${characterId}": ${why}`,
      options,
    );
    this.characterId = characterId;
  }
}
