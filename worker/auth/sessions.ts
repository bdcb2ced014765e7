/**
 * Worker sessions: a random id in a signed cookie, the character it belongs
 * to in the shared store. Ending a session deletes the record, so a copied
 * cookie dies with it.
 *
 * @module
 */

import { randomToken } from "../../src/sso/pkce.ts";
import type { ValueStore } from "../stores/types.ts";

/** The session cookie's name, without the `__Host-` prefix Hono adds. */
export const SESSION_COOKIE = "esikit_session";
/** The login cookie's name (binds a login's state to the browser that started it). */
export const LOGIN_COOKIE = "esikit_login";

/** Options of {@link Sessions}. */
export interface SessionsOptions {
  /** Where sessions are kept. */
  store: ValueStore;
  /** How long a session lasts, in milliseconds. */
  ttlMs: number;
}

/**
 * Creates, finds and ends sessions.
 *
 * @example
 * ```ts
 * import { Sessions } from "./sessions.ts";
 * import { MemoryStore } from "../stores/memory.ts";
 * const sessions = new Sessions({ store: new MemoryStore(), ttlMs: 86_400_000 });
 * const id = await sessions.create(2112625428);
 * await sessions.find(id); // 2112625428
 * ```
 */
export class Sessions {
  readonly #store: ValueStore;
  /** How long a session lasts, in milliseconds. */
  readonly ttlMs: number;

  /** @param options The store and the lifetime. */
  constructor({ store, ttlMs }: SessionsOptions) {
    this.#store = store;
    this.ttlMs = ttlMs;
  }

  /**
   * Starts a session for a character.
   *
   * @param characterId The character.
   * @returns The session id, for the cookie.
   */
  async create(characterId: number): Promise<string> {
    const id = randomToken(32);
    await this.#store.set(`session:${id}`, String(characterId), this.ttlMs);
    return id;
  }

  /**
   * The character of a session.
   *
   * @param id The session id.
   * @returns The character id, or `undefined` when the session is unknown or over.
   */
  async find(id: string): Promise<number | undefined> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
    const value = await this.#store.get(`session:${id}`);
    const characterId = Number(value);
    return value !== undefined && Number.isSafeInteger(characterId) ? characterId : undefined;
  }

  /**
   * Ends a session.
   *
   * @param id The session id.
   */
  async end(id: string): Promise<void> {
    await this.#store.delete(`session:${id}`);
  }
}
