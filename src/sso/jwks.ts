/**
 * The SSO's signing keys (JWKS): fetched from `jwks_uri`, kept in memory and,
 * when given a {@link CacheStore}, shared with other isolates; refetched when
 * older than `maxAgeMs`, and once more when a token names a key the set does
 * not hold. Only those unknown-`kid` refetches are throttled (at most one per
 * `cooldownMs`), so a key rotated in right after an ordinary fetch verifies at
 * once while a flood of bogus `kid`s does not hammer the SSO. Keys are chosen by `kid` and
 * `alg` through jose's `createLocalJWKSet`.
 *
 * @module
 */

import { createLocalJWKSet, errors, type JSONWebKeySet as JoseKeySet } from "jose";
import type { CacheEntry, CacheStore } from "../cache/store.ts";
import { type Clock, systemClock } from "../clock.ts";
import { EsiSsoError, EsiTokenInvalidError } from "./errors.ts";
import { parseJsonObject, type SsoHttp, ssoHttp, ssoRequest } from "./request.ts";

/** The algorithms EVE SSO signs access tokens with; nothing else is accepted. */
export const ACCESS_TOKEN_ALGORITHMS: readonly ["RS256", "ES256"] = ["RS256", "ES256"];

/**
 * A JSON Web Key Set (RFC 7517) as the SSO publishes it at `jwks_uri`.
 *
 * @example
 * ```ts
 * import type { JsonWebKeySet } from "@esikit/esi/sso";
 * const empty: JsonWebKeySet = { keys: [], SkipUnresolvedJsonWebKeys: true };
 * ```
 */
export interface JsonWebKeySet {
  /** The keys. */
  keys: (JsonWebKey & { kid?: string })[];
  /** Members that are not keys, such as EVE's `"SkipUnresolvedJsonWebKeys": true`. */
  [member: string]: unknown;
}

/** The parts of a token's protected header that choose its key. */
export interface KeySelector {
  /** The token's `alg`. */
  alg?: string;
  /** The token's `kid`. */
  kid?: string;
}

/**
 * Resolves the keys that may have signed a token.
 *
 * @example A resolver over a fixed key set
 * ```ts
 * import { localKeyResolver, type JwksKeyResolver } from "@esikit/esi/sso";
 * const resolver: JwksKeyResolver = localKeyResolver({ keys: [] });
 * ```
 */
export interface JwksKeyResolver {
  /**
   * The keys of the set whose `kid` and algorithm match the header (usually
   * one; more when the set holds duplicates).
   *
   * @param header The token's `alg` and `kid`.
   * @returns At least one key.
   * @throws {EsiTokenInvalidError} `"algorithm"`, `"unknown_key"` or `"key_mismatch"`.
   */
  keysFor(header: KeySelector): Promise<CryptoKey[]>;
}

type LocalSet = ReturnType<typeof createLocalJWKSet>;

interface Loaded {
  jwks: JsonWebKeySet;
  local: LocalSet;
  fetchedAt: number;
}

function short(value: unknown): string {
  return String(value).slice(0, 80);
}

function checkAlgorithm(alg: string | undefined): string {
  if (!alg || !(ACCESS_TOKEN_ALGORITHMS as readonly string[]).includes(alg)) {
    throw new EsiTokenInvalidError(
      "algorithm",
      `Cannot verify the access token: algorithm "${
        short(alg)
      }" is not allowed (only RS256 and ES256)`,
    );
  }
  return alg;
}

/** The keys of `local` that match, or none. */
async function candidates(local: LocalSet, header: KeySelector): Promise<CryptoKey[]> {
  try {
    return [await local({ alg: header.alg!, kid: header.kid })];
  } catch (err) {
    if (err instanceof errors.JWKSNoMatchingKey) return [];
    if (err instanceof errors.JWKSMultipleMatchingKeys) {
      const keys: CryptoKey[] = [];
      for await (const key of err) keys.push(key as CryptoKey);
      return keys;
    }
    throw new EsiSsoError(
      `Cannot use key "${short(header.kid)}" of the SSO's JWKS: ${(err as Error).message}`,
      { operation: "jwks", cause: err },
    );
  }
}

function noMatch(jwks: JsonWebKeySet, header: KeySelector): EsiTokenInvalidError {
  const kid = short(header.kid);
  if (header.kid !== undefined && jwks.keys.some((k) => k.kid === header.kid)) {
    return new EsiTokenInvalidError(
      "key_mismatch",
      `Cannot verify the access token: key "${kid}" of the SSO's JWKS is not a "${header.alg}" key`,
    );
  }
  return new EsiTokenInvalidError(
    "unknown_key",
    `Cannot verify the access token: the SSO's JWKS has no key "${kid}"`,
  );
}

function toLocal(jwks: JsonWebKeySet): LocalSet {
  // Only `keys` is passed on: members such as "SkipUnresolvedJsonWebKeys" are not keys.
  return createLocalJWKSet({ keys: jwks.keys } as JoseKeySet);
}

function readKeySet(doc: Record<string, unknown> | undefined): JsonWebKeySet | undefined {
  const keys = doc?.keys;
  if (!Array.isArray(keys)) return undefined;
  const usable = keys.filter((k) => typeof k === "object" && k !== null && !Array.isArray(k));
  return { keys: usable as JsonWebKeySet["keys"] };
}

const resolvers = new WeakMap<JsonWebKeySet, JwksKeyResolver>();

/**
 * A resolver over a key set you already hold (no fetching, no refetching).
 *
 * @param jwks The key set; non-key members are ignored.
 * @returns The resolver (one per set object, reused).
 * @example
 * ```ts
 * import { localKeyResolver, verifyAccessToken } from "@esikit/esi/sso";
 *
 * const jwks = { keys: [] }; // e.g. read from https://login.eveonline.com/oauth/jwks
 * const keys = localKeyResolver(jwks);
 * await verifyAccessToken("eyJ...", { clientId: "my-client-id", keys }).catch((err) => err.code);
 * ```
 */
export function localKeyResolver(jwks: JsonWebKeySet): JwksKeyResolver {
  let resolver = resolvers.get(jwks);
  if (!resolver) {
    const set = readKeySet(jwks as unknown as Record<string, unknown>) ?? { keys: [] };
    const local = toLocal(set);
    resolver = {
      async keysFor(header: KeySelector): Promise<CryptoKey[]> {
        checkAlgorithm(header.alg);
        const keys = await candidates(local, header);
        if (!keys.length) throw noMatch(set, header);
        return keys;
      },
    };
    resolvers.set(jwks, resolver);
  }
  return resolver;
}

/** Options of a {@link JwksCache}. */
export interface JwksCacheOptions {
  /** The JWKS URL, or a function that reads it (from the SSO metadata). */
  jwksUri: string | (() => Promise<string>);
  /**
   * The fetch to use.
   * @default globalThis.fetch
   */
  fetch?: typeof fetch;
  /**
   * The clock for ages, cooldowns and timeouts.
   * @default systemClock
   */
  clock?: Clock;
  /**
   * How long one fetch of the JWKS may take, in milliseconds (0: no limit).
   * @default 10_000
   */
  timeoutMs?: number;
  /** The `User-Agent` to send. */
  userAgent?: string;
  /**
   * Where to share the JWKS with other isolates (any {@link CacheStore}).
   * Read when this instance holds no JWKS yet; written after each fetch.
   */
  store?: CacheStore;
  /**
   * The least time between two fetches caused by unknown keys, in
   * milliseconds, measured from the last such fetch (ordinary fetches do not
   * count). Also how long a failing SSO is left alone before a stale JWKS is
   * fetched again.
   * @default 60_000
   */
  cooldownMs?: number;
  /**
   * How long a fetched JWKS is used before it is fetched again, in milliseconds.
   * @default 600_000
   */
  maxAgeMs?: number;
}

/**
 * The SSO's JWKS, cached, shared and refetched with care.
 *
 * @example Verifying tokens with a JWKS shared through a cache store
 * ```ts
 * import { MemoryCache } from "@esikit/esi";
 * import { JwksCache, verifyAccessToken } from "@esikit/esi/sso";
 *
 * const keys = new JwksCache({
 *   jwksUri: "https://login.eveonline.com/oauth/jwks",
 *   store: new MemoryCache(),
 * });
 * await verifyAccessToken("eyJ...", { clientId: "my-client-id", keys }).catch((err) => err.code);
 * ```
 */
export class JwksCache implements JwksKeyResolver {
  readonly #uri: () => Promise<string>;
  readonly #http: SsoHttp;
  readonly #clock: Clock;
  readonly #store?: CacheStore;
  readonly #cooldownMs: number;
  readonly #maxAgeMs: number;
  #current?: Loaded;
  #pending?: Promise<Loaded>;
  #lastFetchAt = Number.NEGATIVE_INFINITY;
  #lastUnknownKidFetchAt = Number.NEGATIVE_INFINITY;
  #downloads = 0;

  /**
   * Creates the cache; nothing is fetched until a key is needed.
   *
   * @param options Where the JWKS is, and how to fetch and keep it.
   */
  constructor(options: JwksCacheOptions) {
    const { jwksUri } = options;
    this.#uri = typeof jwksUri === "string" ? () => Promise.resolve(jwksUri) : jwksUri;
    this.#clock = options.clock ?? systemClock;
    this.#http = ssoHttp(options, this.#clock);
    this.#store = options.store;
    this.#cooldownMs = options.cooldownMs ?? 60_000;
    this.#maxAgeMs = options.maxAgeMs ?? 600_000;
  }

  /**
   * The keys that match a token's header, refetching the JWKS once (cooldown
   * permitting) when none does.
   *
   * @param header The token's `alg` and `kid`.
   * @returns At least one key.
   * @throws {EsiTokenInvalidError} `"algorithm"`, `"unknown_key"` or `"key_mismatch"`.
   * @throws {EsiSsoError} The JWKS cannot be fetched and none is held.
   */
  async keysFor(header: KeySelector): Promise<CryptoKey[]> {
    checkAlgorithm(header.alg);
    const downloads = this.#downloads;
    let loaded = await this.#load();
    let keys = await candidates(loaded.local, header);
    if (keys.length) return keys;
    // A set downloaded during this call is as new as a refetch would be.
    if (this.#downloads > downloads) throw noMatch(loaded.jwks, header);
    const now = this.#clock.now();
    if (this.#pending) {
      loaded = await this.#pending.catch(() => loaded);
    } else if (now - this.#lastUnknownKidFetchAt >= this.#cooldownMs) {
      this.#lastUnknownKidFetchAt = now;
      loaded = await this.#fetch().catch(() => loaded);
    } else {
      throw noMatch(loaded.jwks, header);
    }
    keys = await candidates(loaded.local, header);
    if (keys.length) return keys;
    throw noMatch(loaded.jwks, header);
  }

  /**
   * The key set as held now (fetched or read from the store if none is).
   *
   * @returns The key set.
   */
  async jwks(): Promise<JsonWebKeySet> {
    return structuredClone((await this.#load()).jwks);
  }

  async #load(): Promise<Loaded> {
    const now = this.#clock.now();
    const current = this.#current;
    if (current && now - current.fetchedAt < this.#maxAgeMs) return current;
    if (!current && this.#store) {
      const shared = await this.#readStore();
      if (shared) return shared;
    }
    if (current) {
      // Stale: refresh it, but keep using it while the SSO is unreachable.
      if (!this.#pending && now - this.#lastFetchAt < this.#cooldownMs) return current;
      return this.#fetch().catch(() => current);
    }
    return this.#fetch();
  }

  async #key(): Promise<string> {
    return `esikit:sso:jwks:${await this.#uri()}`;
  }

  async #readStore(): Promise<Loaded | undefined> {
    try {
      const entry = await this.#store!.get(await this.#key());
      if (!entry || entry.expiresAt <= this.#clock.now()) return undefined;
      const jwks = readKeySet(parseJsonObject(new TextDecoder().decode(entry.body)));
      if (!jwks) return undefined;
      const loaded = { jwks, local: toLocal(jwks), fetchedAt: entry.storedAt };
      this.#current = loaded;
      this.#lastFetchAt = Math.max(this.#lastFetchAt, entry.storedAt);
      return loaded;
    } catch {
      return undefined; // A store never fails a verification.
    }
  }

  #fetch(): Promise<Loaded> {
    if (this.#pending) return this.#pending;
    this.#lastFetchAt = this.#clock.now();
    const pending = this.#download();
    this.#pending = pending;
    const clear = () => {
      if (this.#pending === pending) this.#pending = undefined;
    };
    pending.then(clear, clear);
    return pending;
  }

  async #download(): Promise<Loaded> {
    const uri = await this.#uri();
    const answer = await ssoRequest(this.#http, uri, { method: "GET" });
    if (answer.status !== 200) {
      throw new EsiSsoError(
        `Cannot fetch the SSO's JWKS from "${uri}": the SSO answered ${answer.status}`,
        { operation: "jwks", status: answer.status },
      );
    }
    const jwks = readKeySet(parseJsonObject(answer.text));
    if (!jwks) {
      throw new EsiSsoError(
        `Cannot read the SSO's JWKS from "${uri}": the body is not a JSON Web Key Set`,
        { operation: "jwks", status: answer.status },
      );
    }
    const fetchedAt = this.#clock.now();
    const loaded = { jwks, local: toLocal(jwks), fetchedAt };
    this.#current = loaded;
    this.#downloads++;
    if (this.#store) {
      const entry: CacheEntry = {
        status: 200,
        headers: { "content-type": "application/json" },
        body: new TextEncoder().encode(JSON.stringify(jwks)),
        storedAt: fetchedAt,
        expiresAt: fetchedAt + this.#maxAgeMs,
      };
      try {
        await this.#store.set(await this.#key(), entry, this.#maxAgeMs);
      } catch {
        // Sharing is best effort: this instance has the keys either way.
      }
    }
    return loaded;
  }
}
