/**
 * Bearer tokens as ESI checks them: present on routes with scopes, not
 * expired by the simulator's clock, carrying the route's scope, and issued
 * to the character the path names. Signatures are checked only when a
 * verifier is plugged in (the SSO simulator provides one).
 *
 * @module
 */

import { decodeJwt } from "jose";
import type { OperationMeta } from "../operation_meta.ts";

/** The character and scopes a token stands for. */
export interface EsiSimIdentity {
  /** The character's id, from `sub` (`CHARACTER:EVE:<id>`). */
  characterId: number;
  /** The granted scopes, from `scp`. */
  scopes: string[];
}

/**
 * Checks an access token's signature and claims; `undefined` when it is not valid.
 *
 * @example
 * ```ts
 * import type { EsiSimTokenVerifier } from "@esikit/esi/testing";
 * const acceptAll: EsiSimTokenVerifier = () => Promise.resolve({ characterId: 1, scopes: [] });
 * ```
 */
export type EsiSimTokenVerifier = (
  jwt: string,
) => Promise<{ characterId: number; scopes: string[] } | undefined>;

/** The outcome of checking a request's token. */
export type AuthResult =
  | { ok: true; identity?: EsiSimIdentity }
  | { ok: false; status: 401 | 403; error: string };

interface Claims {
  identity?: EsiSimIdentity;
  exp?: number;
}

// Decoding is the costly part and a client sends one token many times.
const decoded = new Map<string, Claims>();

function decode(jwt: string): Claims {
  let claims = decoded.get(jwt);
  if (claims) return claims;
  claims = {};
  try {
    const payload = decodeJwt(jwt);
    const id = /^CHARACTER:EVE:(\d+)$/.exec(String(payload.sub ?? ""));
    const scp = payload.scp;
    const scopes = Array.isArray(scp) ? scp.map(String) : typeof scp === "string" ? [scp] : [];
    if (id) claims.identity = { characterId: Number(id[1]), scopes };
    if (typeof payload.exp === "number") claims.exp = payload.exp;
  } catch {
    // Not a JWT: no identity, answered 401 where a token is needed.
  }
  if (decoded.size >= 1000) decoded.clear();
  decoded.set(jwt, claims);
  return claims;
}

/**
 * Checks the `Authorization` header of a call.
 *
 * @param header The header's value, if any.
 * @param op The operation called.
 * @param params Its path parameters.
 * @param now The simulator's time, for `exp`.
 * @param verify The signature check, when one is plugged in.
 * @returns The identity, or the 401/403 to answer.
 */
export async function authenticate(
  header: string | null,
  op: OperationMeta,
  params: Record<string, string>,
  now: number,
  verify: EsiSimTokenVerifier | undefined,
): Promise<AuthResult> {
  const needed = op.scopes.length > 0;
  const jwt = header?.startsWith("Bearer ") ? header.slice(7).trim() : undefined;
  if (!jwt) {
    return needed ? { ok: false, status: 401, error: "authorization not provided" } : { ok: true };
  }
  const claims = decode(jwt);
  // A token on a public route only names the rate-limit bucket.
  if (!needed) return { ok: true, identity: claims.identity };
  if (!claims.identity) return { ok: false, status: 401, error: "invalid token" };
  if (claims.exp !== undefined && claims.exp * 1000 <= now) {
    return { ok: false, status: 401, error: "token is expired" };
  }
  const identity = verify ? await verify(jwt) : claims.identity;
  if (!identity) return { ok: false, status: 401, error: "invalid token" };
  const missing = op.scopes.filter((s) => !identity.scopes.includes(s));
  if (missing.length) {
    return { ok: false, status: 403, error: `token not valid for scope(s): ${missing.join(", ")}` };
  }
  const character = params.character_id;
  if (character !== undefined && character !== String(identity.characterId)) {
    return {
      ok: false,
      status: 403,
      error: `token is for character ${identity.characterId}, not ${character}`,
    };
  }
  return { ok: true, identity };
}
