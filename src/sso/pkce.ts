/**
 * PKCE (RFC 7636, S256) and the `state` value, as CCP's own sample does them:
 * the verifier is base64url of 32 random bytes, the challenge base64url of
 * the verifier's SHA-256, neither padded. Randomness from Web Crypto.
 *
 * @module
 */

import { base64url } from "jose";

/**
 * A PKCE verifier and its S256 challenge.
 *
 * @example
 * ```ts
 * import { createPkcePair, type PkcePair } from "@esikit/esi/sso";
 * const pair: PkcePair = await createPkcePair();
 * pair.verifier.length; // 43
 * ```
 */
export interface PkcePair {
  /** The secret the client keeps until the code exchange. */
  verifier: string;
  /** `base64url(SHA-256(verifier))`, sent with the authorization request. */
  challenge: string;
}

/**
 * Creates a fresh PKCE pair.
 *
 * @returns A verifier of 32 random bytes and its S256 challenge.
 * @example
 * ```ts
 * import { createPkcePair } from "@esikit/esi/sso";
 * const { verifier, challenge } = await createPkcePair();
 * verifier !== challenge; // true
 * ```
 */
export async function createPkcePair(): Promise<PkcePair> {
  const verifier = randomToken(32);
  return { verifier, challenge: await pkceChallenge(verifier) };
}

/**
 * Computes the S256 challenge of a verifier.
 *
 * @param verifier The PKCE verifier.
 * @returns `base64url(SHA-256(verifier))`, unpadded.
 * @example
 * ```ts
 * import { pkceChallenge } from "@esikit/esi/sso";
 * // The example of RFC 7636, appendix B.
 * await pkceChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
 * // "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
 * ```
 */
export async function pkceChallenge(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url.encode(new Uint8Array(digest));
}

/**
 * Returns `bytes` random bytes from Web Crypto, base64url-encoded without
 * padding: for `state` values and PKCE verifiers.
 *
 * @param bytes How many random bytes.
 * @returns The encoded bytes.
 * @default bytes 32
 * @example
 * ```ts
 * import { randomToken } from "@esikit/esi/sso";
 * randomToken(16).length; // 22
 * ```
 */
export function randomToken(bytes = 32): string {
  return base64url.encode(crypto.getRandomValues(new Uint8Array(bytes)));
}
