/**
 * Verifying a signed request: the timestamp within the window, the nonce's
 * shape, and the HMAC over the canonical string, checked in constant time.
 * Whether the nonce was used before is the caller's store's part (remember it
 * for {@link NONCE_TTL_MS}).
 *
 * @module
 */

import { sha256Hex } from "../digest.ts";
import { canonicalString, NONCE_PATTERN, NONCE_TTL_MS, SIGNATURE_WINDOW_MS } from "./canonical.ts";

const encoder = new TextEncoder();

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
 * import { hmacKey } from "./canonical.ts";
 * import { signCanonical } from "./sign.ts";
 * import { verifySignature } from "./verify.ts";
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

function fromHex(text: string): Uint8Array | undefined {
  if (!/^[0-9a-fA-F]*$/.test(text) || text.length % 2) return undefined;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** A request as the verifier reads it: what the signature covers and its headers. */
export interface SignedRequest {
  /** The HTTP method. */
  method: string;
  /** The path and query as received, e.g. `/esi/status?x=1`. */
  pathAndQuery: string;
  /** The body's bytes (empty without one). */
  body: Uint8Array | string;
  /** `X-Timestamp`. */
  timestamp?: string;
  /** `X-Nonce`. */
  nonce?: string;
  /** `X-Signature`. */
  signature?: string;
}

/** Why a signed request was refused. */
export type SignatureFailure = "timestamp" | "nonce" | "signature_missing" | "signature";

/** The outcome of {@link verifyRequest}. */
export type VerifyOutcome =
  | {
    /** The signature holds and the timestamp is fresh. */
    ok: true;
    /** The nonce, to claim in the replay store for {@link NONCE_TTL_MS}. */
    nonce: string;
    /** How long to remember the nonce, in milliseconds. */
    nonceTtlMs: number;
  }
  | {
    /** Refused. */
    ok: false;
    /** What failed. */
    reason: SignatureFailure;
    /** Why, for the caller (sentence case, no secret). */
    message: string;
  };

/**
 * Verifies a signed request: `X-Timestamp` is Unix seconds within
 * {@link SIGNATURE_WINDOW_MS} of `now`, `X-Nonce` has the right shape, and
 * `X-Signature` is the HMAC of the canonical string. The nonce's single use
 * is left to the caller's store.
 *
 * @param request What the signature covers, and the signature headers.
 * @param key The API key's HMAC key ({@link hmacKey}).
 * @param now The verifier's time, in epoch milliseconds.
 * @returns Whether it holds; when not, why.
 * @example
 * ```ts
 * import { hmacKey } from "./canonical.ts";
 * import { signatureHeaders } from "./sign.ts";
 * import { verifyRequest } from "./verify.ts";
 * const key = await hmacKey("a secret of at least thirty-two characters");
 * const h = await signatureHeaders(
 *   { method: "GET", url: "http://127.0.0.1:8787/esi/status" },
 *   { apiKey: "my-app", apiSecret: key },
 *   Date.now(),
 * );
 * const outcome = await verifyRequest({
 *   method: "GET",
 *   pathAndQuery: "/esi/status",
 *   body: "",
 *   timestamp: h["X-Timestamp"],
 *   nonce: h["X-Nonce"],
 *   signature: h["X-Signature"],
 * }, key, Date.now());
 * outcome.ok; // true
 * ```
 */
export async function verifyRequest(
  request: SignedRequest,
  key: CryptoKey,
  now: number,
): Promise<VerifyOutcome> {
  const { timestamp, nonce, signature } = request;
  if (!timestamp || !/^\d{1,12}$/.test(timestamp)) {
    return refused("timestamp", "X-Timestamp is missing or not Unix time in seconds");
  }
  if (Math.abs(now - Number(timestamp) * 1000) > SIGNATURE_WINDOW_MS) {
    return refused(
      "timestamp",
      `X-Timestamp "${timestamp}" is more than ${
        SIGNATURE_WINDOW_MS / 60_000
      } minutes from the gateway's clock`,
    );
  }
  if (!nonce || !NONCE_PATTERN.test(nonce)) {
    return refused("nonce", "X-Nonce is missing or not 16 to 64 characters of [A-Za-z0-9_-]");
  }
  if (!signature) return refused("signature_missing", "X-Signature is missing");
  const canonical = canonicalString({
    method: request.method,
    pathAndQuery: request.pathAndQuery,
    timestamp,
    nonce,
    bodySha256: await sha256Hex(request.body),
  });
  if (!await verifySignature(key, canonical, signature)) {
    return refused("signature", "the signature does not match");
  }
  return { ok: true, nonce, nonceTtlMs: NONCE_TTL_MS };
}

function refused(reason: SignatureFailure, why: string): VerifyOutcome {
  return { ok: false, reason, message: `Cannot authenticate: ${why}` };
}
