/**
 * Request signatures for callers with an API key. The scheme and its
 * canonical string live in the module (`src/gateway/signing.ts`), where
 * `EsiClient({ baseUrl, apiKey, apiSecret })` signs with them; this adds what
 * the gateway and non-esikit clients need on top: a signer for any `Request`
 * and the nonce's shape.
 *
 * The canonical string, in short (the module's TSDoc is the reference): six
 * lines joined by `\n`, no trailing newline —
 *
 * ```text
 * ESIKIT-HMAC-SHA256
 * <METHOD>                 upper case
 * <PATH_AND_QUERY>         url.pathname + url.search, e.g. /esi/markets/10000002/orders?order_type=all
 * <TIMESTAMP>              X-Timestamp: Unix seconds, within 5 minutes of the gateway's clock
 * <NONCE>                  X-Nonce: 16 to 64 of [A-Za-z0-9_-], random per request, accepted once
 * <BODY_SHA256>            lower-case hex SHA-256 of the body ("" without one)
 * ```
 *
 * `X-Signature` is the lower-case hex HMAC-SHA256 of it, keyed with the
 * secret; `X-Api-Key` names the key.
 *
 * @module
 */

import { signatureHeaders } from "../src/gateway/signing.ts";

export { sha256Hex } from "../src/digest.ts";
export {
  canonicalString,
  hmacKey,
  SIGNATURE_SCHEME,
  SIGNATURE_WINDOW_MS,
  signatureHeaders,
  signCanonical,
  verifySignature,
} from "../src/gateway/signing.ts";

/** What an `X-Nonce` must look like. */
export const NONCE_PATTERN: RegExp = /^[A-Za-z0-9_-]{16,64}$/;

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
 * import { signRequest } from "./signing.ts";
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
