/**
 * Request signatures for the esikit gateway: callers with an API key sign
 * each request with HMAC-SHA256 over a canonical string. The client signs
 * (`new EsiClient({ baseUrl, apiKey, apiSecret })`), the gateway verifies.
 *
 * ## The canonical string
 *
 * Six lines joined by a single `\n` (LF), with no trailing newline:
 *
 * ```text
 * ESIKIT-HMAC-SHA256
 * <METHOD>
 * <PATH_AND_QUERY>
 * <TIMESTAMP>
 * <NONCE>
 * <BODY_SHA256>
 * ```
 *
 * - `METHOD`: the HTTP method in upper case.
 * - `PATH_AND_QUERY`: the request target as sent: `url.pathname + url.search`
 *   of the URL as the WHATWG URL parser reads it, e.g.
 *   `/esi/markets/10000002/orders?order_type=all`.
 * - `TIMESTAMP`: the `X-Timestamp` header: Unix time in whole seconds. The
 *   gateway accepts it within 5 minutes of its own clock, either way.
 * - `NONCE`: the `X-Nonce` header: 16 to 64 characters of `[A-Za-z0-9_-]`,
 *   random per request, so that two identical requests in one second (a
 *   retry, another process) still differ. The gateway accepts each
 *   (key, nonce) once within the timestamp window.
 * - `BODY_SHA256`: lower-case hex SHA-256 of the body's bytes (of the empty
 *   string when there is no body).
 *
 * The signature is the lower-case hex HMAC-SHA256 of the canonical string's
 * UTF-8 bytes, keyed with the UTF-8 bytes of the API secret, sent as
 * `X-Signature`, beside `X-Api-Key`, `X-Timestamp` and `X-Nonce`.
 *
 * @module
 */

const encoder = new TextEncoder();

/** The first line of every canonical string: the scheme and its version. */
export const SIGNATURE_SCHEME = "ESIKIT-HMAC-SHA256";

/** How far a timestamp may be from the gateway's clock, in milliseconds. */
export const SIGNATURE_WINDOW_MS: number = 5 * 60_000;

/**
 * How far apart the clocks of two gateway instances sharing one nonce store
 * may be, in milliseconds: a nonce is remembered for the window plus this on
 * both sides, so a signature one instance accepted early cannot be replayed
 * at another whose clock is behind.
 */
export const SIGNATURE_CLOCK_SKEW_MS: number = 60_000;

/**
 * How long a nonce is remembered: as long as any instance may still accept
 * its signature (the window either side of the timestamp, plus the skew
 * allowed between instances either side).
 */
export const NONCE_TTL_MS: number = 2 * (SIGNATURE_WINDOW_MS + SIGNATURE_CLOCK_SKEW_MS);

/** What an `X-Nonce` must look like. */
export const NONCE_PATTERN: RegExp = /^[A-Za-z0-9_-]{16,64}$/;

/** What a signature covers. */
export interface SignedParts {
  /** The HTTP method. */
  method: string;
  /** The path and query as sent, e.g. `/esi/status?x=1`. */
  pathAndQuery: string;
  /** Unix time in whole seconds, as sent in `X-Timestamp`. */
  timestamp: string;
  /** The request's nonce, as sent in `X-Nonce`. */
  nonce: string;
  /** Lower-case hex SHA-256 of the body (of `""` without one). */
  bodySha256: string;
}

/** The headers that carry a signature. */
export interface SignatureHeaders {
  /** The key id. */
  "X-Api-Key": string;
  /** Unix time in whole seconds. */
  "X-Timestamp": string;
  /** The request's nonce. */
  "X-Nonce": string;
  /** The hex HMAC-SHA256 of the canonical string. */
  "X-Signature": string;
}

/**
 * Builds the canonical string of a request.
 *
 * @param parts What the signature covers.
 * @returns The canonical string.
 * @example
 * ```ts
 * import { canonicalString } from "@esikit/esi/signing";
 * canonicalString({
 *   method: "GET",
 *   pathAndQuery: "/esi/status",
 *   timestamp: "1784289600",
 *   nonce: "k3J9d0Qh2x7s1VbN",
 *   bodySha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
 * });
 * ```
 */
export function canonicalString(parts: SignedParts): string {
  return [
    SIGNATURE_SCHEME,
    parts.method.toUpperCase(),
    parts.pathAndQuery,
    parts.timestamp,
    parts.nonce,
    parts.bodySha256,
  ].join("\n");
}

/**
 * Imports an API secret as an HMAC-SHA256 key, for signing and verifying.
 *
 * @param secret The secret.
 * @returns The key.
 * @example
 * ```ts
 * import { hmacKey } from "@esikit/esi/signing";
 * await hmacKey("a secret of at least thirty-two characters");
 * ```
 */
export function hmacKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign", "verify"],
  );
}
