/**
 * The SSO simulator's signing keys and access tokens: an RS256 and an ES256
 * key as EVE publishes them, rotation, the JWKS document, minting tokens whose
 * claims mirror EVE's, and verifying them for the ESI simulator.
 *
 * @module
 */

import { base64url, createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT } from "jose";
import type { Clock } from "../clock.ts";
import type { JsonWebKeySet } from "../sso/jwks.ts";

/** The `kid` EVE SSO gives its RS256 key. */
export const EVE_RS256_KID = "JWT-Signature-Key";

/** A signing algorithm of the simulated SSO. */
export type SsoSimAlgorithm = "RS256" | "ES256";

/** One signing key pair of the simulated SSO. */
export interface SsoSimKey {
  /** The algorithm. */
  alg: SsoSimAlgorithm;
  /** The key id. */
  kid: string;
  /** The private key (tokens are signed with it). */
  privateKey: CryptoKey;
  /** The public key as published in the JWKS. */
  publicJwk: JsonWebKey & { kid: string; alg: string; use: string };
}

/**
 * What a minted access token says. Every field has an EVE-like default; use
 * `claims` to add, replace or (with `undefined`) remove any claim.
 */
export interface MintAccessTokenOptions {
  /**
   * The character.
   * @default 2112625428
   */
  characterId?: number;
  /**
   * The character's name.
   * @default "Some Bloke"
   */
  name?: string;
  /** The owner hash. @default a hash of the character id */
  owner?: string;
  /**
   * The scopes: an array, or a lone string as EVE sometimes sends.
   * @default []
   */
  scopes?: readonly string[] | string;
  /**
   * The application (`azp` and first `aud` entry).
   * @default "esikit-test-client"
   */
  clientId?: string;
  /**
   * The signing key's algorithm.
   * @default "RS256"
   */
  alg?: SsoSimAlgorithm;
  /** The header's `kid`, overriding the signing key's own (to forge mismatches). */
  kid?: string;
  /**
   * Lifetime in seconds from now (negative: already expired).
   * @default 1200
   */
  expiresIn?: number;
  /** `iss`. @default the simulator's issuer */
  issuer?: string;
  /** `aud`. @default [clientId, "EVE Online"] */
  audience?: string | string[];
  /** `sub`. @default "CHARACTER:EVE:<characterId>" */
  subject?: string;
  /** Claims merged last; a value of `undefined` removes the claim. */
  claims?: Record<string, unknown>;
}

/**
 * The SSO simulator's key ring.
 *
 * @example
 * ```ts
 * import { SsoSimKeyRing, FakeClock } from "@esikit/esi/testing";
 * const ring = await SsoSimKeyRing.create(new FakeClock(), "https://login.eveonline.com");
 * const jwt = await ring.mint({ scopes: ["esi-skills.read_skills.v1"] });
 * (await ring.verify(jwt))?.characterId; // 2112625428
 * ```
 */
export class SsoSimKeyRing {
  readonly #clock: Clock;
  readonly #issuer: string;
  #keys: SsoSimKey[] = [];
  #generation = 0;

  private constructor(clock: Clock, issuer: string) {
    this.#clock = clock;
    this.#issuer = issuer;
  }

  /**
   * Creates a ring with one RS256 key (`kid` `"JWT-Signature-Key"`, as EVE's)
   * and one ES256 key.
   *
   * @param clock The clock for `iat` and `exp`.
   * @param issuer The `iss` of minted tokens.
   * @returns The ring.
   */
  static async create(clock: Clock, issuer: string): Promise<SsoSimKeyRing> {
    const ring = new SsoSimKeyRing(clock, issuer);
    await ring.rotate();
    return ring;
  }

  /** The current signing keys (the newest of each algorithm first). */
  get keys(): readonly SsoSimKey[] {
    return this.#keys;
  }

  /**
   * Replaces the keys by a new RS256 and ES256 pair with new `kid`s.
   *
   * @param keepPrevious Keep publishing the old keys (a gentle rotation).
   */
  async rotate(keepPrevious = false): Promise<void> {
    const generation = this.#generation++;
    const fresh = [
      await makeKey("RS256", generation === 0 ? EVE_RS256_KID : `${EVE_RS256_KID}-${generation}`),
      await makeKey("ES256", crypto.randomUUID()),
    ];
    this.#keys = keepPrevious ? [...fresh, ...this.#keys] : fresh;
  }

  /**
   * The signing key of an algorithm (the newest).
   *
   * @param alg The algorithm.
   * @returns The key.
   */
  key(alg: SsoSimAlgorithm): SsoSimKey {
    return this.#keys.find((k) => k.alg === alg)!;
  }

  /**
   * The JWKS document, with EVE's non-key member.
   *
   * @returns The public keys.
   */
  jwks(): JsonWebKeySet {
    return {
      keys: this.#keys.map((k) => ({ ...k.publicJwk })),
      SkipUnresolvedJsonWebKeys: true,
    };
  }

  /**
   * Mints a signed access token whose claims mirror EVE's.
   *
   * @param options The character, scopes, key and any claim overrides.
   * @returns The JWT.
   */
  async mint(options: MintAccessTokenOptions = {}): Promise<string> {
    const characterId = options.characterId ?? 2112625428;
    const clientId = options.clientId ?? "esikit-test-client";
    const key = this.key(options.alg ?? "RS256");
    const kid = options.kid ?? key.kid;
    const iat = Math.floor(this.#clock.now() / 1000);
    const scp = options.scopes === undefined ? [] : options.scopes;
    const payload: Record<string, unknown> = {
      scp: typeof scp === "string" ? scp : [...scp],
      jti: crypto.randomUUID(),
      kid,
      sub: options.subject ?? `CHARACTER:EVE:${characterId}`,
      azp: clientId,
      tenant: "tranquility",
      tier: "live",
      region: "world",
      aud: options.audience ?? [clientId, "EVE Online"],
      name: options.name ?? "Some Bloke",
      owner: options.owner ?? await ownerHash(characterId),
      exp: iat + (options.expiresIn ?? 1200),
      iat,
      iss: options.issuer ?? this.#issuer,
    };
    for (const [claim, value] of Object.entries(options.claims ?? {})) {
      if (value === undefined) delete payload[claim];
      else payload[claim] = value;
    }
    return await new SignJWT(payload)
      .setProtectedHeader({ alg: key.alg, kid, typ: "JWT" })
      .sign(key.privateKey);
  }

  /**
   * Verifies a token minted by this ring (any current key, any audience),
   * for the ESI simulator's `verifyToken` option.
   *
   * @param jwt The access token.
   * @param issuers The accepted issuers.
   * @returns The character and scopes, or `undefined` when the token is not valid.
   */
  async verify(
    jwt: string,
    issuers: readonly string[] = [this.#issuer],
  ): Promise<{ characterId: number; scopes: string[] } | undefined> {
    try {
      const { payload } = await jwtVerify(jwt, createLocalJWKSet({ keys: this.jwks().keys }), {
        algorithms: ["RS256", "ES256"],
        issuer: [...issuers],
        audience: "EVE Online",
        currentDate: new Date(this.#clock.now()),
      });
      const match = /^CHARACTER:EVE:(\d+)$/.exec(String(payload.sub));
      if (!match) return undefined;
      const scp = payload.scp;
      const scopes = typeof scp === "string" ? [scp] : Array.isArray(scp) ? scp.map(String) : [];
      return { characterId: Number(match[1]), scopes };
    } catch {
      return undefined;
    }
  }
}

async function makeKey(alg: SsoSimAlgorithm, kid: string): Promise<SsoSimKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  const jwk = await exportJWK(publicKey);
  return {
    alg,
    kid,
    privateKey,
    publicJwk: { ...jwk, kid, alg, use: "sig" } as SsoSimKey["publicJwk"],
  };
}

/**
 * An owner hash shaped like EVE's (base64 of 20 bytes), stable per character.
 *
 * @param characterId The character.
 * @returns The hash.
 */
export async function ownerHash(characterId: number): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-1",
    new TextEncoder().encode(`owner:${characterId}`),
  );
  return btoa(String.fromCharCode(...new Uint8Array(digest)));
}

/**
 * The S256 PKCE challenge of a verifier, computed independently of the
 * client's code so the simulator can catch its mistakes.
 *
 * @param verifier The verifier.
 * @returns `base64url(SHA-256(verifier))`.
 */
export async function s256(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url.encode(new Uint8Array(digest));
}
