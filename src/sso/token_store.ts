/**
 * Where a {@link TokenManager} keeps each character's tokens: the
 * {@link TokenStore} contract, the record it stores, and the in-memory store.
 *
 * @module
 */

/**
 * One character's tokens, as stored. Plain JSON: any store can keep it.
 *
 * @example
 * ```ts
 * import type { StoredToken } from "@esikit/esi/sso";
 *
 * const record: StoredToken = {
 *   characterId: 2112625428,
 *   accessToken: "eyJ...",
 *   refreshToken: "yK3ULrhjQUSK6vLrsuKvYw==",
 *   expiresAt: Date.now() + 1_199_000,
 *   scopes: ["esi-skills.read_skills.v1"],
 *   owner: "8PmzCeTKb4VFUDrHLc/AeZXDSWM=",
 * };
 * ```
 */
export interface StoredToken {
  /** The character. */
  characterId: number;
  /** The latest access token (verified when it was stored). */
  accessToken: string;
  /** The latest refresh token: it rotates, so only the newest one works. */
  refreshToken: string;
  /** When the access token expires, in epoch milliseconds. */
  expiresAt: number;
  /** The scopes the access token carries. */
  scopes: string[];
  /** The owner hash: it changes when the character changes hands. */
  owner: string;
  /** Set when the SSO answered `invalid_grant`: the character must log in again. */
  revoked?: boolean;
}

/**
 * Keeps token records per character. Each operation is atomic for one
 * character; a {@link TokenManager} refreshes one character at a time, so a
 * store needs no locking of its own within one process.
 *
 * @example A store over a key-value database (Deno KV has this shape)
 * ```ts ignore
 * import type { StoredToken, TokenStore } from "@esikit/esi/sso";
 *
 * interface Kv {
 *   get<T>(key: unknown[]): Promise<{ value: T | null }>;
 *   set(key: unknown[], value: unknown): Promise<unknown>;
 *   delete(key: unknown[]): Promise<void>;
 * }
 *
 * class KvTokenStore implements TokenStore {
 *   constructor(private kv: Kv) {}
 *   async get(id: number) { return (await this.kv.get<StoredToken>(["tokens", id])).value ?? undefined; }
 *   async set(id: number, record: StoredToken) { await this.kv.set(["tokens", id], record); }
 *   async delete(id: number) { await this.kv.delete(["tokens", id]); }
 * }
 * ```
 */
export interface TokenStore {
  /**
   * Reads a character's record.
   *
   * @param characterId The character.
   * @returns The record, or `undefined` when there is none.
   */
  get(characterId: number): Promise<StoredToken | undefined>;
  /**
   * Writes a character's record, replacing the previous one.
   *
   * @param characterId The character.
   * @param record The record.
   */
  set(characterId: number, record: StoredToken): Promise<void>;
  /**
   * Removes a character's record; removing a missing one is not an error.
   *
   * @param characterId The character.
   */
  delete(characterId: number): Promise<void>;
}

/**
 * A {@link TokenStore} in memory: tokens live as long as the process. The
 * default of a {@link TokenManager}.
 *
 * @example
 * ```ts
 * import { MemoryTokenStore } from "@esikit/esi/sso";
 *
 * const store = new MemoryTokenStore();
 * await store.get(2112625428); // undefined
 * ```
 */
export class MemoryTokenStore implements TokenStore {
  readonly #records = new Map<number, StoredToken>();

  /**
   * Reads a character's record (a copy).
   *
   * @param characterId The character.
   * @returns The record, or `undefined`.
   */
  get(characterId: number): Promise<StoredToken | undefined> {
    const record = this.#records.get(characterId);
    return Promise.resolve(record ? structuredClone(record) : undefined);
  }

  /**
   * Writes a character's record (a copy).
   *
   * @param characterId The character.
   * @param record The record.
   */
  set(characterId: number, record: StoredToken): Promise<void> {
    this.#records.set(characterId, structuredClone(record));
    return Promise.resolve();
  }

  /**
   * Removes a character's record.
   *
   * @param characterId The character.
   */
  delete(characterId: number): Promise<void> {
    this.#records.delete(characterId);
    return Promise.resolve();
  }
}
