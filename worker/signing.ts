/**
 * Request signatures for callers with an API key: HMAC-SHA256 over a
 * canonical string, sent in three headers.
 *
 * ## The canonical string
 *
 * Five lines joined by a single `\n` (LF), with no trailing newline:
 *
 * ```text
 * ESIKIT-HMAC-SHA256
 * <METHOD>
 * <PATH_AND_QUERY>
 * <TIMESTAMP>
 * <BODY_SHA256>
 * ```
 *
 * - `METHOD`: the HTTP method in upper case (`GET`, `POST`, …).
 * - `PATH_AND_QUERY`: the request target exactly as sent on the wire: the
 *   path and, when there is one, `?` and the query, byte for byte as they
 *   appear in the URL (percent-encoding untouched, parameters not
 *   re-ordered), e.g. `/esi/markets/10000002/orders?order_type=all`. No
 *   scheme, host or fragment. A client that builds its URL with `new URL()`
 *   signs `url.pathname + url.search`.
 * - `TIMESTAMP`: the `X-Timestamp` header's value: Unix time in whole seconds,
 *   decimal, e.g. `1784289600`. The gateway accepts it within 5 minutes of
 *   its own clock, either way.
 * - `BODY_SHA256`: lower-case hex SHA-256 of the request body's bytes; for a
 *   request without a body, that of the empty string
 *   (`e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855`).
 *
 * The signature is the lower-case hex HMAC-SHA256 of the canonical string's
 * UTF-8 bytes, keyed with the UTF-8 bytes of the API secret. The request
 * carries `X-Api-Key: <key id>`, `X-Timestamp: <TIMESTAMP>` and
 * `X-Signature: <signature>`. Each signature is accepted once.
 *
 * @module
 */

const encoder = new TextEncoder();

/** The first line of every canonical string: the scheme and its version. */
export const SIGNATURE_SCHEME = "ESIKIT-HMAC-SHA256";

/** How far a timestamp may be from the gateway's clock, in milliseconds. */
export const SIGNATURE_WINDOW_MS = 5 * 60_000;

/** What a signature covers. */
export interface SignedParts {
  /** The HTTP method. */
  method: string;
  /** The path and query as sent, e.g. `/esi/status?x=1`. */
  pathAndQuery: string;
  /** Unix time in whole seconds, as sent in `X-Timestamp`. */
  timestamp: string;
  /** Lower-case hex SHA-256 of the body (of `""` without one). */
  bodySha256: string;
}

/**
 * Builds the canonical string of a request.
 *
 * @param parts What the signature covers.
 * @returns The canonical string.
 * @example
 * ```ts
 * import { canonicalString, sha256Hex } from "./signing.ts";
 * canonicalString({
 *   method: "GET",
 *   pathAndQuery: "/esi/status",
 *   timestamp: "1784289600",
 *   bodySha256: await sha256Hex(new Uint8Array()),
 * });
 * ```
 */
export function canonicalString(parts: SignedParts): string {
  return [
    SIGNATURE_SCHEME,
    parts.method.toUpperCase(),
    parts.pathAndQuery,
    parts.timestamp,
    parts.bodySha256,
  ].join("\n");
}

/**
 * Lower-case hex SHA-256 of some bytes.
 *
 * @param bytes The bytes.
 * @returns The digest, 64 hex characters.
 * @example
 * ```ts
 * import { sha256Hex } from "./signing.ts";
 * await sha256Hex(new Uint8Array()); // "e3b0c442…b855"
 * ```
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource)));
}

/**
 * Imports an API secret as an HMAC-SHA256 key.
 *
 * @param secret The secret.
 * @returns The key, usable to sign and to verify.
 * @example
 * ```ts
 * import { hmacKey } from "./signing.ts";
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
 * @param key The HMAC key (from {@link hmacKey}).
 * @param canonical The canonical string.
 * @returns The signature, lower-case hex.
 * @example
 * ```ts
 * import { hmacKey, sign } from "./signing.ts";
 * await sign(await hmacKey("a secret of at least thirty-two characters"), "ESIKIT-HMAC-SHA256\n…");
 * ```
 */
export async function sign(key: CryptoKey, canonical: string): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(canonical))));
}

/**
 * Checks a signature in constant time (Web Crypto's HMAC verify).
 *
 * @param key The HMAC key.
 * @param canonical The canonical string the gateway rebuilt.
 * @param signature The `X-Signature` value.
 * @returns Whether it matches.
 * @example
 * ```ts
 * import { hmacKey, sign, verify } from "./signing.ts";
 * const key = await hmacKey("a secret of at least thirty-two characters");
 * await verify(key, "x", await sign(key, "x")); // true
 * ```
 */
export async function verify(
  key: CryptoKey,
  canonical: string,
  signature: string,
): Promise<boolean> {
  const bytes = fromHex(signature);
  if (!bytes || bytes.length !== 32) return false;
  return await crypto.subtle.verify("HMAC", key, bytes as BufferSource, encoder.encode(canonical));
}

/** Options of {@link signRequest}. */
export interface SignRequestOptions {
  /** The key id (`X-Api-Key`). */
  apiKey: string;
  /** The key's secret. */
  apiSecret: string;
  /**
   * The signing time, in epoch milliseconds.
   * @default Date.now()
   */
  now?: number;
}

/**
 * Signs a request for the gateway: returns a copy with `X-Api-Key`,
 * `X-Timestamp` and `X-Signature` set. The body is read from a clone, so the
 * returned request still has it.
 *
 * @param request The request to sign (its URL is what is sent).
 * @param options The key id, the secret and the time.
 * @returns The signed request.
 * @example
 * ```ts
 * import { signRequest } from "./signing.ts";
 * const request = await signRequest(new Request("http://127.0.0.1:8787/esi/status"), {
 *   apiKey: "my-app",
 *   apiSecret: "a secret of at least thirty-two characters",
 * });
 * request.headers.get("X-Signature");
 * ```
 */
export async function signRequest(request: Request, options: SignRequestOptions): Promise<Request> {
  const body = request.body
    ? new Uint8Array(await request.clone().arrayBuffer())
    : new Uint8Array();
  const url = new URL(request.url);
  const timestamp = String(Math.floor((options.now ?? Date.now()) / 1000));
  const canonical = canonicalString({
    method: request.method,
    pathAndQuery: url.pathname + url.search,
    timestamp,
    bodySha256: await sha256Hex(body),
  });
  const signature = await sign(await hmacKey(options.apiSecret), canonical);
  const signed = new Request(request);
  signed.headers.set("X-Api-Key", options.apiKey);
  signed.headers.set("X-Timestamp", timestamp);
  signed.headers.set("X-Signature", signature);
  return signed;
}

function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

function fromHex(text: string): Uint8Array | undefined {
  if (!/^[0-9a-fA-F]*$/.test(text) || text.length % 2) return undefined;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return out;
}
