/**
 * Signing requests for the gateway: the headers of one request
 * (`signatureHeaders`, what `EsiClient` uses) and a signer for any `Request`
 * (`signRequest`, for callers that are not esikit). The canonical string is
 * described in `canonical.ts`.
 *
 * @module
 */

import { sha256Hex, toHex } from "../digest.ts";
import { canonicalString, hmacKey, type SignatureHeaders } from "./canonical.ts";

const encoder = new TextEncoder();

/**
 * Signs a canonical string.
 *
 * @param key The HMAC key.
 * @param canonical The canonical string.
 * @returns The lower-case hex signature.
 * @example
 * ```ts
 * import { hmacKey, signCanonical } from "@esikit/esi/signing";
 * await signCanonical(await hmacKey("a secret of at least thirty-two characters"), "x");
 * ```
 */
export async function signCanonical(key: CryptoKey, canonical: string): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(canonical))));
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
 * import { signatureHeaders } from "@esikit/esi/signing";
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
 * Signs any `Request` for the gateway: returns a copy with `X-Api-Key`,
 * `X-Timestamp`, `X-Nonce` and `X-Signature` set. The body is read from a
 * clone, so the returned request still has it.
 *
 * @param request The request to sign (its URL is what is sent).
 * @param options The key id, the secret and the time.
 * @returns The signed request.
 * @example
 * ```ts
 * import { signRequest } from "./sign.ts";
 * const request = await signRequest(new Request("http://127.0.0.1:8787/esi/status"), {
 *   apiKey: "my-app",
 *   apiSecret: "a secret of at least thirty-two characters",
 * });
 * request.headers.get("X-Signature");
 * ```
 */
export async function signRequest(request: Request, options: SignRequestOptions): Promise<Request> {
  const body = request.body ? new Uint8Array(await request.clone().arrayBuffer()) : undefined;
  const headers = await signatureHeaders(
    { method: request.method, url: request.url, body },
    options,
    options.now ?? Date.now(),
  );
  const signed = new Request(request);
  for (const [name, value] of Object.entries(headers)) signed.headers.set(name, value);
  return signed;
}
