/**
 * What the client needs from anything that hands it access tokens.
 *
 * @module
 */

/**
 * The verified identity behind a token: used to key cached responses (one
 * character's data is never served to another) and to check scopes before a
 * call is sent.
 */
export interface TokenIdentity {
  /** The EVE character id (from the verified `sub`). */
  characterId: number;
  /** The scopes the token carries (from the verified `scp`). */
  scopes: readonly string[];
}

/**
 * A source of valid access tokens for one character, such as the one
 * `TokenManager.source(characterId)` returns. The client asks it for a token
 * before each authenticated call, and forces a refresh once when ESI answers
 * 401.
 *
 * @example A source around a fixed, already verified token
 * ```ts
 * import type { AccessTokenSource } from "@esikit/esi";
 *
 * const source: AccessTokenSource = {
 *   identity: () => Promise.resolve({ characterId: 2112625428, scopes: ["esi-skills.read_skills.v1"] }),
 *   accessToken: () => Promise.resolve("eyJ..."),
 * };
 * await source.identity();
 * ```
 */
export interface AccessTokenSource {
  /**
   * Returns a valid access token, refreshing it first when it is expired or
   * close to it (or when `forceRefresh` is set).
   *
   * @param options `forceRefresh`: refresh even if the token looks valid
   *   (ESI answered 401). `signal`: gives up waiting.
   */
  accessToken(options?: { forceRefresh?: boolean; signal?: AbortSignal }): Promise<string>;
  /** The verified identity behind the tokens this source hands out. */
  identity(): Promise<TokenIdentity>;
}
