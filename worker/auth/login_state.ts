/**
 * The login's `state`: `<payload>.<signature>`, the payload a nonce and an
 * expiry, the signature HMAC-SHA256 with the session secret. A forged or
 * altered state fails the signature (Web Crypto's constant-time verify); an
 * old one fails the expiry; a replayed one finds its nonce's record already
 * taken from the store (the routes' part).
 *
 * @module
 */

import { base64url } from "jose";
import { randomToken } from "../../src/sso/pkce.ts";

/** What a valid state carries. */
export interface LoginState {
  /** The login's nonce: the key of its stored record (PKCE verifier, return_to). */
  nonce: string;
  /** When the state stops being accepted, in epoch milliseconds. */
  expiresAt: number;
}

const encoder = new TextEncoder();

function fromBase64url(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  try {
    return base64url.decode(text) as Uint8Array<ArrayBuffer>;
  } catch {
    return undefined;
  }
}

/**
 * Imports the session secret as an HMAC-SHA256 key for states.
 *
 * @param secret The session secret.
 * @returns The key.
 * @example
 * ```ts
 * import { stateKey } from "./login_state.ts";
 * const key = await stateKey("a-session-secret-of-32-characters!");
 * ```
 */
export function stateKey(secret: string): Promise<CryptoKey> {
  // Domain separation: the same secret also signs cookies (Hono's scheme).
  return crypto.subtle.importKey(
    "raw",
    encoder.encode(`esikit-login-state:${secret}`),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign", "verify"],
  );
}

/**
 * Creates a signed state with a fresh nonce.
 *
 * @param key The key from {@link stateKey}.
 * @param expiresAt When it stops being accepted, in epoch milliseconds.
 * @returns The state text and what it carries.
 * @example
 * ```ts
 * import { signState, stateKey } from "./login_state.ts";
 * const { state } = await signState(await stateKey("a-session-secret-of-32-characters!"), Date.now() + 600_000);
 * ```
 */
export async function signState(
  key: CryptoKey,
  expiresAt: number,
): Promise<{ state: string } & LoginState> {
  const nonce = randomToken(24);
  const payload = `${nonce}.${expiresAt.toString(36)}`;
  const signature = await crypto.subtle.sign("HMAC", key, encoder.encode(payload));
  return { state: `${payload}.${base64url.encode(new Uint8Array(signature))}`, nonce, expiresAt };
}

/**
 * Reads a state back: `undefined` unless the signature holds and it has not expired.
 *
 * @param key The key from {@link stateKey}.
 * @param state The callback's `state`.
 * @param now The current time, in epoch milliseconds.
 * @returns What it carries, or `undefined`.
 * @example
 * ```ts
 * import { readState, signState, stateKey } from "./login_state.ts";
 * const key = await stateKey("a-session-secret-of-32-characters!");
 * const { state } = await signState(key, Date.now() + 600_000);
 * (await readState(key, state, Date.now()))?.nonce;
 * ```
 */
export async function readState(
  key: CryptoKey,
  state: string,
  now: number,
): Promise<LoginState | undefined> {
  if (state.length > 256) return undefined;
  const parts = state.split(".");
  if (parts.length !== 3) return undefined;
  const [nonce, expiry, signature] = parts;
  const bytes = fromBase64url(signature);
  if (!bytes || !/^[A-Za-z0-9_-]{16,64}$/.test(nonce) || !/^[0-9a-z]{1,12}$/.test(expiry)) {
    return undefined;
  }
  const ok = await crypto.subtle.verify("HMAC", key, bytes, encoder.encode(`${nonce}.${expiry}`));
  if (!ok) return undefined;
  const expiresAt = parseInt(expiry, 36);
  return expiresAt > now ? { nonce, expiresAt } : undefined;
}
