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

import { sha256Hex, toHex } from "../digest.ts";

const encoder = new TextEncoder();

/** The first line of every canonical string: the scheme and its version. */
export const SIGNATURE_SCHEME = "ESIKIT-HMAC-SHA256";

/** How far a timestamp may be from the gateway's clock, in milliseconds. */
export const SIGNATURE_WINDOW_MS: number = 5 * 60_000;

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
 * import { canonicalString } from "@esikit/esi";
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
 * import { hmacKey } from "@esikit/esi";
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

/**
 * Signs a canonical string.
 *
 * @param key The HMAC key.
 * @param canonical The canonical string.
 * @returns The lower-case hex signature.
 * @example
 * ```ts
 * import { hmacKey, signCanonical } from "@esikit/esi";
 * await signCanonical(await hmacKey("a secret of at least thirty-two characters"), "x");
 * ```
 */
export async function signCanonical(key: CryptoKey, canonical: string): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(canonical))));
}

/**
 * Checks a signature in constant time (Web Crypto's `verify` compares
 * without leaking where the first difference is).
 *
 * @param key The HMAC key.
 * @param canonical The canonical string, as the verifier rebuilt it.
 * @param signature The hex signature the caller sent.
 * @returns Whether the signature is right.
 * @example
 * ```ts
 * import { hmacKey, signCanonical, verifySignature } from "@esikit/esi";
 * const key = await hmacKey("a secret of at least thirty-two characters");
 * await verifySignature(key, "x", await signCanonical(key, "x")); // true
 * ```
 */
export async function verifySignature(
  key: CryptoKey,
  canonical: string,
  signature: string,
): Promise<boolean> {
  const bytes = fromHex(signature);
  if (!bytes || bytes.length !== 32) return false;
  return await crypto.subtle.verify("HMAC", key, bytes as BufferSource, encoder.encode(canonical));
}

/**
 * The signature headers of one request.
 *
 * @param request The method, the URL as sent, and the body.
 * @param credentials The key id and its secret (or the imported key).
 * @param now The signing time, in epoch milliseconds.
 * @returns The headers to add to the request.
 * @example
 * ```ts
 * import { signatureHeaders } from "@esikit/esi";
 * const headers = await signatureHeaders(
 *   { method: "GET", url: "http://127.0.0.1:8787/esi/status" },
 *   { apiKey: "my-app", apiSecret: "a secret of at least thirty-two characters" },
 *   Date.now(),
 * );
 * headers["X-Signature"].length; // 64
 * ```
 */
export async function signatureHeaders(
  request: { method: string; url: string; body?: string | Uint8Array },
  credentials: { apiKey: string; apiSecret: string | CryptoKey },
  now: number,
): Promise<SignatureHeaders> {
  const url = new URL(request.url);
  const timestamp = String(Math.floor(now / 1000));
  const nonce = randomNonce();
  const key = typeof credentials.apiSecret === "string"
    ? await hmacKey(credentials.apiSecret)
    : credentials.apiSecret;
  const canonical = canonicalString({
    method: request.method,
    pathAndQuery: url.pathname + url.search,
    timestamp,
    nonce,
    bodySha256: await sha256Hex(request.body ?? ""),
  });
  return {
    "X-Api-Key": credentials.apiKey,
    "X-Timestamp": timestamp,
    "X-Nonce": nonce,
    "X-Signature": await signCanonical(key, canonical),
  };
}

function randomNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let out = "";
  for (const b of bytes) {
    out += "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[b & 63];
  }
  return out;
}

function fromHex(text: string): Uint8Array | undefined {
  if (!/^[0-9a-fA-F]*$/.test(text) || text.length % 2) return undefined;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return out;
}
