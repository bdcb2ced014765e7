/**
 * The token side of a call: which token it carries, the identity that keys
 * its cache entries, and the scope check made before anything is sent.
 *
 * @module
 */

import { decodeJwt } from "jose";
import { EsiRequestError, EsiScopeError } from "../errors.ts";
import type { AccessTokenSource } from "../sso/token_source.ts";
import type { OperationMeta } from "../operation_meta.ts";
import { missingScopes } from "./validate.ts";
import { sha256Hex } from "../digest.ts";

/** How a call is authorised, once its token is known. */
export interface CallAuth {
  /** What stands for the token's identity in cache keys (never the token). */
  identityKey: string;
  /** Whose rate-limit bucket the call spends: `"character:<id>"`, or `"app"` when unknown. */
  bucketIdentity: string;
  /** Whether a 401 can be cured by refreshing the token. */
  canRefresh: boolean;
  /** The access token to send now. */
  accessToken(signal?: AbortSignal): Promise<string>;
  /** Makes the next `accessToken()` refresh first. */
  forceRefresh(): void;
}

/** What of a call decides its authorisation. */
export interface AuthSubject {
  /** The HTTP method. */
  method: string;
  /** The route template. */
  route: string;
  /** The operation, when the route is in the spec. */
  operation?: OperationMeta;
}

/**
 * Works out a call's authorisation. Public routes of the spec carry no token
 * (so their cache entries are shared by every character); routes that need a
 * scope must have a token that carries it, or the call is refused here, before
 * it costs any error budget.
 *
 * @param call The call.
 * @param token The raw token or token source, if any.
 * @returns The authorisation, or `undefined` for a call without a token.
 * @throws {EsiRequestError} When the route needs a token and none is given.
 * @throws {EsiScopeError} When the token's scopes lack one the route needs.
 * @example
 * ```ts
 * import { operations } from "@esikit/esi/spec";
 * import { authorizeCall } from "./auth.ts";
 * await authorizeCall({ method: "GET", route: "/status", operation: operations["GET /status"] }, undefined); // undefined
 * ```
 */
export async function authorizeCall(
  call: AuthSubject,
  token: string | AccessTokenSource | undefined,
  signal?: AbortSignal,
): Promise<CallAuth | undefined> {
  const needed = call.operation?.scopes ?? [];
  if (call.operation && needed.length === 0) return undefined;
  if (token === undefined) {
    if (needed.length === 0) return undefined;
    throw new EsiRequestError(
      `Cannot call "${call.method} ${call.route}": it needs an access token with scope ${
        needed.map((s) => `"${s}"`).join(", ")
      }`,
    );
  }
  if (typeof token === "string") return await rawTokenAuth(call, token);
  return await sourceAuth(call, token, signal);
}

async function rawTokenAuth(call: AuthSubject, token: string): Promise<CallAuth> {
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw new EsiRequestError(
      `Cannot call "${call.method} ${call.route}": the access token is empty or has characters a header cannot carry`,
    );
  }
  // Unverified claims may only refuse a call early, never grant anything: the
  // cache key is a digest of the token itself, not of the claims it asserts.
  const claims = unverifiedClaims(token);
  if (claims.scopes) checkScopes(call, claims.scopes);
  return {
    identityKey: `t:${(await sha256Hex(token)).slice(0, 32)}`,
    // Bucketing by an unverified character only decides how we pace ourselves.
    bucketIdentity: claims.characterId ? `character:${claims.characterId}` : "app",
    canRefresh: false,
    accessToken: () => Promise.resolve(token),
    forceRefresh() {},
  };
}

async function sourceAuth(
  call: AuthSubject,
  source: AccessTokenSource,
  signal?: AbortSignal,
): Promise<CallAuth> {
  const identity = await source.identity();
  checkScopes(call, identity.scopes);
  let forceRefresh = false;
  return {
    identityKey: `c:${identity.characterId}:${digest([...identity.scopes].sort().join(" "))}`,
    bucketIdentity: `character:${identity.characterId}`,
    canRefresh: true,
    accessToken(callSignal?: AbortSignal): Promise<string> {
      const refresh = forceRefresh;
      forceRefresh = false;
      return source.accessToken({ forceRefresh: refresh, signal: callSignal ?? signal });
    },
    forceRefresh() {
      forceRefresh = true;
    },
  };
}

function checkScopes(call: AuthSubject, held: readonly string[]): void {
  const missing = call.operation ? missingScopes(call.operation, held) : [];
  if (missing.length) throw new EsiScopeError(`${call.method} ${call.route}`, missing);
}

function unverifiedClaims(token: string): { scopes?: readonly string[]; characterId?: string } {
  try {
    const { scp, sub } = decodeJwt(token);
    const scopes = typeof scp === "string"
      ? [scp]
      : Array.isArray(scp)
      ? scp.map(String)
      : undefined;
    return { scopes, characterId: sub?.match(/^CHARACTER:EVE:(\d+)$/)?.[1] };
  } catch {
    return {}; // not a JWT we can read: let ESI judge it
  }
}

// FNV-1a: a short, stable digest of a scope list (no secret in it, so no need
// for a cryptographic hash on this path).
function digest(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(36);
}
