/**
 * {@link TokenManager}: keeps each character's tokens and hands out valid
 * access tokens — refreshed shortly before they expire, one refresh at a time
 * per character however many callers wait, the rotated refresh token stored,
 * the new access token verified, and a character whose grant the SSO refuses
 * marked revoked so that later calls fail fast.
 *
 * Refreshes are coalesced within one process. Processes sharing a store are
 * not locked against each other; when one's refresh meets a token another
 * has just rotated (`invalid_grant`), it takes the other's stored result
 * instead of marking the character revoked.
 *
 * @module
 */

import { type Clock, systemClock } from "../clock.ts";
import { emit, type Hook, type TokenRefreshEvent } from "../observe/hooks.ts";
import { raceAbort } from "./abort.ts";
import { EsiSsoError, EsiTokenInvalidError, EsiTokenRevokedError } from "./errors.ts";
import type { TokenResponse } from "./token_endpoint.ts";
import type { AccessTokenSource, TokenIdentity } from "./token_source.ts";
import { MemoryTokenStore, type StoredToken, type TokenStore } from "./token_store.ts";
import type { VerifiedAccessToken } from "./verify.ts";

/**
 * What a {@link TokenManager} needs of the SSO; an {@link EveSso} has it all.
 *
 * @example
 * ```ts
 * import { EveSso, type TokenManagerSso } from "@esikit/esi/sso";
 * const sso: TokenManagerSso = new EveSso({ clientId: "id", redirectUri: "https://app.example.com/cb" });
 * ```
 */
export interface TokenManagerSso {
  /**
   * Trades a refresh token for new tokens.
   * @param refreshToken The current refresh token.
   */
  refresh(refreshToken: string): Promise<TokenResponse>;
  /**
   * Verifies an access token.
   * @param jwt The access token.
   */
  verifyAccessToken(jwt: string): Promise<VerifiedAccessToken>;
  /**
   * Revokes a refresh token.
   * @param refreshToken The refresh token.
   */
  revoke(refreshToken: string): Promise<void>;
}

/** Options of a {@link TokenManager}. */
export interface TokenManagerOptions {
  /** The SSO client that refreshes and verifies, usually an {@link EveSso}. */
  sso: TokenManagerSso;
  /**
   * Where the tokens are kept.
   * @default new MemoryTokenStore()
   */
  store?: TokenStore;
  /**
   * The clock that decides when a token is close to expiry; pass the SSO's.
   * @default systemClock
   */
  clock?: Clock;
  /**
   * Refresh an access token once it is this close to expiry, in milliseconds.
   * @default 60_000
   */
  refreshBeforeExpiryMs?: number;
  /**
   * A forced refresh (after ESI answered 401) this soon after the last refresh
   * returns that refresh's token instead: many concurrent 401s cost one refresh.
   * @default 5_000
   */
  forceRefreshIntervalMs?: number;
  /** Called after each refresh: `success`, `failure`, or `revoked`. Persist or alert here. */
  onTokenRefresh?: Hook<TokenRefreshEvent>[];
}

/** Options of {@link TokenManager.accessToken}. */
export interface AccessTokenOptions {
  /** Refresh even if the token looks valid (ESI answered 401). */
  forceRefresh?: boolean;
  /** Gives up waiting (a shared refresh goes on for the other callers). */
  signal?: AbortSignal;
}

/**
 * Keeps characters' tokens valid.
 *
 * @example Login callback, then a token source for the client
 * ```ts
 * import { EveSso, TokenManager } from "@esikit/esi/sso";
 *
 * const sso = new EveSso({ clientId: "id", redirectUri: "https://app.example.com/cb" });
 * const tokens = new TokenManager({
 *   sso,
 *   onTokenRefresh: [(e) => console.log("refresh", e.characterId, e.outcome)],
 * });
 * // In the callback: const who = await tokens.add(await sso.exchangeCode(code, { codeVerifier }));
 * const source = tokens.source(2112625428); // hand to esi.withToken(source)
 * await source.accessToken().catch((e) => e.code); // "ERR_TOKEN_INVALID": no token stored yet
 * ```
 */
export class TokenManager {
  readonly #sso: TokenManagerSso;
  readonly #store: TokenStore;
  readonly #clock: Clock;
  readonly #refreshBefore: number;
  readonly #forceInterval: number;
  readonly #hooks?: Hook<TokenRefreshEvent>[];
  readonly #inflight = new Map<number, Promise<StoredToken>>();
  readonly #refreshedAt = new Map<number, number>();

  /**
   * Creates the manager.
   *
   * @param options The SSO client, the store, the clock and the hooks.
   */
  constructor(options: TokenManagerOptions) {
    this.#sso = options.sso;
    this.#store = options.store ?? new MemoryTokenStore();
    this.#clock = options.clock ?? systemClock;
    this.#refreshBefore = options.refreshBeforeExpiryMs ?? 60_000;
    this.#forceInterval = options.forceRefreshIntervalMs ?? 5_000;
    this.#hooks = options.onTokenRefresh;
  }

  /**
   * Verifies freshly obtained tokens (from {@link EveSso.exchangeCode}) and
   * stores them for their character, replacing any earlier record.
   *
   * @param tokens The token endpoint's answer.
   * @returns The verified access token's claims (the character, scopes, …).
   * @throws {EsiTokenInvalidError} The access token does not verify; nothing is stored.
   * @example
   * ```ts ignore
   * const who = await tokens.add(await sso.exchangeCode(code, { codeVerifier }));
   * console.log(`Welcome, ${who.name}`);
   * ```
   */
  async add(tokens: TokenResponse): Promise<VerifiedAccessToken> {
    const claims = await this.#sso.verifyAccessToken(tokens.accessToken);
    await this.#store.set(claims.characterId, {
      characterId: claims.characterId,
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      expiresAt: Math.min(claims.expiresAt, tokens.expiresAt),
      scopes: claims.scopes,
      owner: claims.owner,
    });
    this.#refreshedAt.delete(claims.characterId);
    return claims;
  }

  /**
   * A character's stored record.
   *
   * @param characterId The character.
   * @returns The record, or `undefined`.
   * @example
   * ```ts ignore
   * const record = await tokens.get(2112625428);
   * ```
   */
  get(characterId: number): Promise<StoredToken | undefined> {
    return this.#store.get(characterId);
  }

  /**
   * A valid access token for a character, refreshed first when it expires
   * within `refreshBeforeExpiryMs` (or when forced). Concurrent callers share
   * one refresh.
   *
   * @param characterId The character.
   * @param options `forceRefresh` and `signal`.
   * @returns The access token.
   * @throws {EsiTokenRevokedError} The SSO refused the grant (now or before).
   * @throws {EsiTokenInvalidError} No token is stored, or the new one does not verify.
   * @throws {EsiSsoError} The SSO failed otherwise.
   * @example
   * ```ts ignore
   * const jwt = await tokens.accessToken(2112625428);
   * ```
   */
  async accessToken(characterId: number, options: AccessTokenOptions = {}): Promise<string> {
    return (await this.#valid(characterId, options)).accessToken;
  }

  /**
   * The verified identity behind a character's tokens.
   *
   * @param characterId The character.
   * @returns The character id and the granted scopes.
   * @throws {EsiTokenRevokedError} The grant is revoked.
   * @throws {EsiTokenInvalidError} No token is stored.
   * @example
   * ```ts ignore
   * const { scopes } = await tokens.identity(2112625428);
   * ```
   */
  async identity(characterId: number): Promise<TokenIdentity> {
    const record = this.#usable(characterId, await this.#store.get(characterId));
    return { characterId: record.characterId, scopes: [...record.scopes] };
  }

  /**
   * The token source of one character, for `esi.withToken(source)`.
   *
   * @param characterId The character.
   * @returns A source of valid access tokens for the character.
   * @example
   * ```ts ignore
   * const me = esi.withToken(tokens.source(2112625428));
   * ```
   */
  source(characterId: number): AccessTokenSource {
    return {
      accessToken: (options) => this.accessToken(characterId, options),
      identity: () => this.identity(characterId),
    };
  }

  /**
   * Revokes a character's refresh token at the SSO and forgets the character.
   *
   * @param characterId The character.
   * @throws {EsiSsoError} The SSO refused; the record is kept.
   * @example
   * ```ts ignore
   * await tokens.revoke(2112625428); // "log out"
   * ```
   */
  async revoke(characterId: number): Promise<void> {
    const record = await this.#store.get(characterId);
    if (record && !record.revoked) await this.#sso.revoke(record.refreshToken);
    await this.delete(characterId);
  }

  /**
   * Forgets a character locally (its grant stays valid at the SSO).
   *
   * @param characterId The character.
   * @example
   * ```ts ignore
   * await tokens.delete(2112625428);
   * ```
   */
  async delete(characterId: number): Promise<void> {
    await this.#store.delete(characterId);
    this.#refreshedAt.delete(characterId);
  }

  #usable(characterId: number, record: StoredToken | undefined): StoredToken {
    if (!record) {
      throw new EsiTokenInvalidError(
        "missing",
        `Cannot get a token for character "${characterId}": none is stored; the character must log in`,
      );
    }
    if (record.revoked) throw new EsiTokenRevokedError(characterId);
    return record;
  }

  async #valid(characterId: number, options: AccessTokenOptions): Promise<StoredToken> {
    const { signal } = options;
    const wait = (p: Promise<StoredToken>) => signal ? raceAbort(p, signal) : p;
    const shared = this.#inflight.get(characterId);
    if (shared) return wait(shared);

    const record = this.#usable(characterId, await this.#store.get(characterId));
    const now = this.#clock.now();
    const fresh = record.expiresAt - now > this.#refreshBefore;
    const justRefreshed = now - (this.#refreshedAt.get(characterId) ?? -Infinity) <
      this.#forceInterval;
    if (fresh && (!options.forceRefresh || justRefreshed)) return record;

    // Another caller may have started the refresh while the store was read.
    const started = this.#inflight.get(characterId);
    if (started) return wait(started);
    const refresh = this.#refresh(characterId, record);
    this.#inflight.set(characterId, refresh);
    const clear = () => {
      if (this.#inflight.get(characterId) === refresh) this.#inflight.delete(characterId);
    };
    refresh.then(clear, clear);
    return wait(refresh);
  }

  async #refresh(characterId: number, record: StoredToken): Promise<StoredToken> {
    let tokens: TokenResponse;
    try {
      tokens = await this.#sso.refresh(record.refreshToken);
    } catch (err) {
      if (err instanceof EsiSsoError && err.oauthError === "invalid_grant") {
        // Another process sharing the store may have refreshed meanwhile (rotating the refresh
        // token or not, as the SSO may): use its result rather than revoke it.
        const latest = await this.#store.get(characterId);
        if (latest && !latest.revoked && refreshedSince(latest, record)) return latest;
      }
      throw await this.#refreshFailed(characterId, record, err);
    }
    let claims: VerifiedAccessToken;
    try {
      claims = await this.#sso.verifyAccessToken(tokens.accessToken);
      if (claims.characterId !== characterId) {
        throw new EsiTokenInvalidError(
          "subject",
          `Cannot refresh token for character "${characterId}": the new access token is for character "${claims.characterId}"`,
        );
      }
    } catch (err) {
      // The old refresh token may be spent: keep the new one even though this refresh failed.
      await this.#store.set(characterId, { ...record, refreshToken: tokens.refreshToken });
      emit(this.#hooks, { characterId, outcome: "failure" });
      throw err;
    }
    const next: StoredToken = {
      characterId,
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      expiresAt: Math.min(claims.expiresAt, tokens.expiresAt),
      scopes: claims.scopes,
      owner: claims.owner,
    };
    await this.#store.set(characterId, next);
    this.#refreshedAt.set(characterId, this.#clock.now());
    emit(this.#hooks, { characterId, outcome: "success" });
    return next;
  }

  async #refreshFailed(characterId: number, record: StoredToken, err: unknown): Promise<unknown> {
    if (!(err instanceof EsiSsoError)) {
      emit(this.#hooks, { characterId, outcome: "failure" });
      return err;
    }
    const { oauthError, oauthErrorDescription: description, status } = err;
    const what = oauthError
      ? `${oauthError}${description ? ` (${description})` : ""}`
      : `the SSO answered ${status ?? "nothing"}`;
    const message = `Cannot refresh token for character "${characterId}": ${what}`;
    if (oauthError === "invalid_grant") {
      await this.#store.set(characterId, { ...record, revoked: true });
      emit(this.#hooks, { characterId, outcome: "revoked" });
      return new EsiTokenRevokedError(
        characterId,
        `${message}; the character must log in again`,
        { cause: err },
      );
    }
    emit(this.#hooks, { characterId, outcome: "failure" });
    return new EsiSsoError(message, {
      operation: "refresh",
      status,
      oauthError,
      oauthErrorDescription: description,
      cause: err,
    });
  }
}

/** Whether `latest` is another refresh's result, not the record this one started from. */
function refreshedSince(latest: StoredToken, record: StoredToken): boolean {
  return latest.refreshToken !== record.refreshToken ||
    latest.accessToken !== record.accessToken || latest.expiresAt > record.expiresAt;
}
