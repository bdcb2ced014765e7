/**
 * Worker sessions: a random id in a signed cookie, the character it belongs
 * to in the shared store. Ending a session deletes the record, so a copied
 * cookie dies with it; ending a character's sessions everywhere replaces the
 * character's generation, so every session started before (a stolen cookie
 * in another browser too) stops being found.
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

/** A session found: its character. */
export interface SessionRecord {
  /** The character the session belongs to. */
  characterId: number;
}

/**
 * Creates, finds and ends sessions.
 *
 * A session's record is `<characterId>.<generation>`; the character's
 * current generation is kept beside it (`session-generation:<characterId>`,
 * refreshed at every login, so it outlives every session of it). A session
 * is found only while its generation is the character's current one.
 *
 * @example
 * ```ts
 * import { Sessions } from "./sessions.ts";
 * import { MemoryStore } from "../stores/memory.ts";
 * const sessions = new Sessions({ store: new MemoryStore(), ttlMs: 86_400_000 });
 * const id = await sessions.create(2112625428);
 * await sessions.find(id); // 2112625428
 * await sessions.endAll(2112625428);
 * await sessions.find(id); // undefined
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
    const generationKey = `session-generation:${characterId}`;
    const generation = await this.#store.get(generationKey) ?? randomToken(12);
    // Kept as long as the newest session can live.
    await this.#store.set(generationKey, generation, this.ttlMs);
    const id = randomToken(32);
    await this.#store.set(`session:${id}`, `${characterId}.${generation}`, this.ttlMs);
    return id;
  }

  /**
   * The character of a session.
   *
   * @param id The session id.
   * @returns The character id, or `undefined` when the session is unknown, over or ended.
   */
  async find(id: string): Promise<number | undefined> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
    const value = await this.#store.get(`session:${id}`);
    if (value === undefined) return undefined;
    const [character, generation] = value.split(".");
    const characterId = Number(character);
    if (!/^\d{1,16}$/.test(character) || !Number.isSafeInteger(characterId)) return undefined;
    const current = await this.#store.get(`session-generation:${characterId}`);
    // A record from before generations (no ".") stands until the character logs in or out.
    return generation === current ? characterId : undefined;
  }

  /**
   * Ends one session.
   *
   * @param id The session id.
   */
  async end(id: string): Promise<void> {
    await this.#store.delete(`session:${id}`);
  }

  /**
   * Ends every session of a character, wherever it was started.
   *
   * @param characterId The character.
   */
  async endAll(characterId: number): Promise<void> {
    await this.#store.set(`session-generation:${characterId}`, randomToken(12), this.ttlMs);
  }
}
