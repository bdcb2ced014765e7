/**
 * Verifying an EVE SSO access token (a JWT) with jose: the signature against
 * the SSO's JWKS (RS256 or ES256 only, key chosen by `kid` and `alg`), then
 * EVE's claim rules: `iss`, an `aud` holding both the client id and
 * `"EVE Online"`, an `azp` (when present) equal to the client id, `exp`, `nbf`
 * and `iat` on the injected clock with a small leeway, `sub` of the form
 * `CHARACTER:EVE:<digits>`, `scp` as array or lone string. A `crit` header
 * naming an extension jose does not know is refused, as RFC 7515 requires.
 *
 * @module
 */

import {
  decodeProtectedHeader,
  jwtVerify,
  type JWTVerifyOptions,
  type JWTVerifyResult,
} from "jose";
import { type Clock, systemClock } from "../clock.ts";
import { EsiError } from "../errors.ts";
import { EsiTokenInvalidError } from "./errors.ts";
import {
  ACCESS_TOKEN_ALGORITHMS,
  type JsonWebKeySet,
  type JwksKeyResolver,
  localKeyResolver,
} from "./jwks.ts";

/** The issuers EVE SSO signs with: the URL form (since 2023-11-01) and the bare host. */
export const EVE_ISSUERS: readonly string[] = [
  "https://login.eveonline.com",
  "login.eveonline.com",
];

/** The audience every EVE access token carries besides the client id. */
export const EVE_AUDIENCE = "EVE Online";

/** The default leeway on `exp`, `nbf` and `iat`, in seconds: room for clock skew, not for stale tokens. */
export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 5;

/**
 * What a verified access token says of its character and grant.
 *
 * @example
 * ```ts
 * import type { VerifiedAccessToken } from "@esikit/esi/sso";
 *
 * function greet(token: VerifiedAccessToken): string {
 *   return `Hello ${token.name} (${token.characterId})`;
 * }
 * ```
 */
export interface VerifiedAccessToken {
  /** The character, from `sub` (`CHARACTER:EVE:<id>`). */
  characterId: number;
  /** The character's name (`name`). */
  name: string;
  /** The owner hash (`owner`): it changes when the character changes hands. */
  owner: string;
  /** The granted scopes (`scp`), always an array. */
  scopes: string[];
  /** The application the token was issued to (`azp`, else the verified client id). */
  clientId: string;
  /** When the token expires (`exp`), in epoch milliseconds. */
  expiresAt: number;
  /** When the token was issued (`iat`), in epoch milliseconds. */
  issuedAt: number;
  /** The issuer (`iss`). */
  issuer: string;
  /** The tenant (`tenant`), e.g. `"tranquility"`. */
  tenant?: string;
  /** The tier (`tier`), e.g. `"live"`. */
  tier?: string;
  /** The region (`region`), e.g. `"world"`. */
  region?: string;
  /** The token's id (`jti`). */
  tokenId?: string;
  /** Every claim, as signed. */
  claims: Record<string, unknown>;
}

/** Options of {@link verifyAccessToken}. */
export interface VerifyAccessTokenOptions {
  /** The application's client id: `aud` must contain it, and `azp` (when present) be it. */
  clientId: string;
  /** The SSO's keys: a {@link JwksCache}, any resolver, or a key set you hold. */
  keys: JwksKeyResolver | JsonWebKeySet;
  /**
   * The accepted `iss` values.
   * @default EVE_ISSUERS
   */
  issuers?: readonly string[];
  /**
   * Leeway on `exp`, `nbf` and `iat`, in seconds.
   * @default 5
   */
  clockToleranceSeconds?: number;
  /**
   * The clock that decides whether the token has expired.
   * @default systemClock
   */
  clock?: Clock;
}

const subject = /^CHARACTER:EVE:(\d{1,19})$/;

function isKeySet(keys: JwksKeyResolver | JsonWebKeySet): keys is JsonWebKeySet {
  return Array.isArray((keys as JsonWebKeySet).keys);
}

function invalid(
  reason: ConstructorParameters<typeof EsiTokenInvalidError>[0],
  why: string,
  cause?: unknown,
): EsiTokenInvalidError {
  return new EsiTokenInvalidError(reason, `Cannot verify the access token: ${why}`, { cause });
}

function short(value: unknown): string {
  return String(value).slice(0, 80);
}

function header(jwt: string): Record<string, unknown> {
  try {
    return decodeProtectedHeader(jwt);
  } catch {
    return {};
  }
}

function headerAlg(jwt: string): string | undefined {
  const alg = header(jwt).alg;
  return typeof alg === "string" ? alg : undefined;
}

/** The `crit` extensions jose does not recognise (it knows `b64` alone), if any. */
function unknownCritical(jwt: string): string[] {
  const { crit } = header(jwt);
  return Array.isArray(crit) ? crit.filter((name) => name !== "b64").map(short) : [];
}

/** Turns jose's failures into the token errors of esikit; esikit's own pass through. */
function translate(err: unknown, jwt: string): EsiError {
  if (err instanceof EsiError) return err;
  const code = (err as { code?: unknown })?.code;
  switch (code) {
    case "ERR_JOSE_NOT_SUPPORTED":
    case "ERR_JOSE_ALG_NOT_ALLOWED": {
      // jose checks `crit` before `alg`; with `alg` limited by `algorithms`, this is the `crit`.
      const unknown = code === "ERR_JOSE_NOT_SUPPORTED" ? unknownCritical(jwt) : [];
      if (unknown.length) {
        const names = unknown.map((name) => `"${name}"`).join(", ");
        return invalid(
          "critical_header",
          `critical header parameter ${names} is not supported`,
          err,
        );
      }
      return invalid(
        "algorithm",
        `algorithm "${short(headerAlg(jwt))}" is not allowed (only RS256 and ES256)`,
        err,
      );
    }
    case "ERR_JWS_SIGNATURE_VERIFICATION_FAILED":
      return invalid("signature", "the signature does not verify", err);
    case "ERR_JWT_EXPIRED": {
      const exp = (err as { payload?: { exp?: unknown } }).payload?.exp;
      const at = typeof exp === "number" ? ` at ${new Date(exp * 1000).toISOString()}` : "";
      return invalid("expired", `it expired${at}`, err);
    }
    case "ERR_JWT_CLAIM_VALIDATION_FAILED": {
      const { claim, reason } = err as { claim?: string; reason?: string };
      const payload = (err as { payload?: Record<string, unknown> }).payload ?? {};
      if (claim === "iss") {
        return invalid("issuer", `issuer "${short(payload.iss)}" is not accepted`, err);
      }
      if (claim === "nbf") {
        return invalid(
          "not_yet_valid",
          `it is not valid before "nbf" (${short(payload.nbf)})`,
          err,
        );
      }
      if (claim === "sub") return invalid("subject", `"sub" is ${reason ?? "invalid"}`, err);
      if (claim === "aud") return invalid("audience", `"aud" is ${reason ?? "invalid"}`, err);
      return invalid("claims", `claim "${short(claim)}" is ${reason ?? "invalid"}`, err);
    }
    default:
      return invalid("malformed", "it is not a well-formed JWT", err);
  }
}

function stringClaim(claims: Record<string, unknown>, name: string): string {
  const value = claims[name];
  if (typeof value !== "string" || !value) throw invalid("claims", `claim "${name}" is missing`);
  return value;
}

function optionalString(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/**
 * Verifies an EVE SSO access token and returns what it says. Nothing in the
 * token is trusted before this returns.
 *
 * @param jwt The access token.
 * @param options The client id, the SSO's keys, the accepted issuers, the leeway and the clock.
 * @returns The verified character, scopes and times.
 * @throws {EsiTokenInvalidError} The token is refused; `reason` says why.
 * @throws {EsiSsoError} The JWKS cannot be fetched.
 * @example
 * ```ts
 * import { JwksCache, verifyAccessToken } from "@esikit/esi/sso";
 *
 * const keys = new JwksCache({ jwksUri: "https://login.eveonline.com/oauth/jwks" });
 * try {
 *   const who = await verifyAccessToken("eyJ...", { clientId: "my-client-id", keys });
 *   console.log(who.characterId, who.scopes);
 * } catch (err) {
 *   console.error(err); // EsiTokenInvalidError, reason "malformed"
 * }
 * ```
 */
export async function verifyAccessToken(
  jwt: string,
  options: VerifyAccessTokenOptions,
): Promise<VerifiedAccessToken> {
  const { clientId } = options;
  const resolver = isKeySet(options.keys) ? localKeyResolver(options.keys) : options.keys;
  const now = (options.clock ?? systemClock).now();
  const tolerance = options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;
  const verifyOptions: JWTVerifyOptions = {
    algorithms: [...ACCESS_TOKEN_ALGORITHMS],
    issuer: [...(options.issuers ?? EVE_ISSUERS)],
    currentDate: new Date(now),
    clockTolerance: tolerance,
    requiredClaims: ["exp", "iat", "sub", "aud"],
  };
  if (typeof jwt !== "string") throw invalid("malformed", "it is not a string");

  let keys: CryptoKey[] = [];
  let result: JWTVerifyResult | undefined;
  try {
    result = await jwtVerify(jwt, async (header) => {
      keys = await resolver.keysFor({ alg: header.alg, kid: header.kid });
      return keys[0];
    }, verifyOptions);
  } catch (first) {
    // The set may hold several keys under one kid (mid-rotation): try the others.
    if ((first as { code?: string })?.code !== "ERR_JWS_SIGNATURE_VERIFICATION_FAILED") {
      throw translate(first, jwt);
    }
    for (const key of keys.slice(1)) {
      try {
        result = await jwtVerify(jwt, key, verifyOptions);
        break;
      } catch (err) {
        if ((err as { code?: string })?.code !== "ERR_JWS_SIGNATURE_VERIFICATION_FAILED") {
          throw translate(err, jwt);
        }
      }
    }
    if (!result) throw translate(first, jwt);
  }

  const claims = result.payload as Record<string, unknown>;
  const aud = claims.aud;
  const audiences = Array.isArray(aud) ? aud : [aud];
  for (const needed of [clientId, EVE_AUDIENCE]) {
    if (!audiences.includes(needed)) {
      throw invalid("audience", `"aud" does not contain "${needed}"`);
    }
  }

  // OpenID Connect Core 3.1.3.7: an `azp` present must be this client's id.
  if (claims.azp !== undefined && claims.azp !== clientId) {
    throw invalid("audience", `"azp" "${short(claims.azp)}" is not the client id "${clientId}"`);
  }

  // jose checks a future `iat` only together with `maxTokenAge`, which EVE's tokens do not need.
  if ((claims.iat as number) > now / 1000 + tolerance) {
    throw invalid("not_yet_valid", `it was issued in the future ("iat" ${short(claims.iat)})`);
  }

  const match = subject.exec(String(claims.sub));
  const characterId = match ? Number(match[1]) : NaN;
  if (typeof claims.sub !== "string" || !Number.isSafeInteger(characterId) || characterId <= 0) {
    throw invalid("subject", `"sub" "${short(claims.sub)}" is not "CHARACTER:EVE:<id>"`);
  }

  const scp = claims.scp;
  let scopes: string[];
  if (scp === undefined) scopes = [];
  else if (typeof scp === "string") scopes = [scp];
  else if (Array.isArray(scp) && scp.every((s) => typeof s === "string")) scopes = [...scp];
  else throw invalid("claims", 'claim "scp" is neither a scope nor a list of scopes');

  return {
    characterId,
    name: stringClaim(claims, "name"),
    owner: stringClaim(claims, "owner"),
    scopes,
    clientId: optionalString(claims.azp) ?? clientId,
    expiresAt: (claims.exp as number) * 1000,
    issuedAt: (claims.iat as number) * 1000,
    issuer: claims.iss as string,
    tenant: optionalString(claims.tenant),
    tier: optionalString(claims.tier),
    region: optionalString(claims.region),
    tokenId: optionalString(claims.jti),
    claims,
  };
}
