/**
 * Token records encrypted at rest: AES-GCM through Web Crypto, a fresh random
 * IV for every write, and the character id bound in as associated data, so a
 * record that was altered, sealed with another key or moved to another
 * character fails with a clear error instead of decoding to garbage.
 *
 * @module
 */

import { base64url } from "jose";
import { EsiTokenStoreError } from "./errors.ts";
import type { StoredToken, TokenStore } from "./token_store.ts";

/**
 * A plain key-value store of strings, where sealed records are kept (Deno KV,
 * Redis, a database column, …).
 *
 * @example
 * ```ts
 * import type { StringStore } from "@esikit/esi/sso";
 *
 * const map = new Map<string, string>();
 * const strings: StringStore = {
 *   get: (key) => Promise.resolve(map.get(key)),
 *   set: (key, value) => Promise.resolve(void map.set(key, value)),
 *   delete: (key) => Promise.resolve(void map.delete(key)),
 * };
 * ```
 */
export interface StringStore {
  /**
   * Reads a value.
   * @param key The key.
   */
  get(key: string): Promise<string | undefined>;
  /**
   * Writes a value.
   * @param key The key.
   * @param value The value.
   */
  set(key: string, value: string): Promise<void>;
  /**
   * Removes a value.
   * @param key The key.
   */
  delete(key: string): Promise<void>;
}

/** Options of an {@link EncryptedTokenStore}. */
export interface EncryptedTokenStoreOptions {
  /**
   * The AES key: a Web Crypto `AES-GCM` key, or 16 or 32 raw bytes (keep
   * them in a secret, e.g. `crypto.getRandomValues(new Uint8Array(32))` once).
   */
  key: CryptoKey | Uint8Array;
  /**
   * Where the sealed records go.
   * @default an in-memory map
   */
  backend?: StringStore;
  /**
   * Prefix of the backend keys; the character id follows it.
   * @default "esikit:token:"
   */
  prefix?: string;
}

const VERSION = "v1.";
const IV_BYTES = 12;

class MemoryStringStore implements StringStore {
  readonly #map = new Map<string, string>();
  get(key: string): Promise<string | undefined> {
    return Promise.resolve(this.#map.get(key));
  }
  set(key: string, value: string): Promise<void> {
    this.#map.set(key, value);
    return Promise.resolve();
  }
  delete(key: string): Promise<void> {
    this.#map.delete(key);
    return Promise.resolve();
  }
}

function isStoredToken(value: unknown, characterId: number): value is StoredToken {
  const r = value as StoredToken;
  return typeof r === "object" && r !== null && r.characterId === characterId &&
    typeof r.accessToken === "string" && typeof r.refreshToken === "string" &&
    typeof r.expiresAt === "number" && Array.isArray(r.scopes) && typeof r.owner === "string";
}

/**
 * A {@link TokenStore} that encrypts each record with AES-GCM before it
 * reaches the backend.
 *
 * @example
 * ```ts
 * import { EncryptedTokenStore, TokenManager } from "@esikit/esi/sso";
 *
 * const key = crypto.getRandomValues(new Uint8Array(32)); // in production: from a secret
 * const store = new EncryptedTokenStore({ key });
 * await store.get(2112625428); // undefined
 * ```
 */
export class EncryptedTokenStore implements TokenStore {
  readonly #backend: StringStore;
  readonly #prefix: string;
  readonly #key: Promise<CryptoKey>;

  /**
   * Creates the store; a raw key is imported at once.
   *
   * @param options The key, the backend and the key prefix.
   */
  constructor(options: EncryptedTokenStoreOptions) {
    this.#backend = options.backend ?? new MemoryStringStore();
    this.#prefix = options.prefix ?? "esikit:token:";
    const { key } = options;
    if (key instanceof Uint8Array) {
      if (key.length !== 16 && key.length !== 32) {
        throw new TypeError(
          `Cannot create the encrypted token store: the key must be 16 or 32 bytes, not ${key.length}`,
        );
      }
      this.#key = crypto.subtle.importKey("raw", new Uint8Array(key), "AES-GCM", false, [
        "encrypt",
        "decrypt",
      ]);
    } else {
      this.#key = Promise.resolve(key);
    }
    this.#key.catch(() => {}); // Reported by the first operation.
  }

  /**
   * Reads and decrypts a character's record.
   *
   * @param characterId The character.
   * @returns The record, or `undefined` when there is none.
   * @throws {EsiTokenStoreError} The sealed data is not authentic or not a record.
   */
  async get(characterId: number): Promise<StoredToken | undefined> {
    const sealed = await this.#backend.get(this.#prefix + characterId);
    if (sealed === undefined) return undefined;
    if (!sealed.startsWith(VERSION)) {
      throw new EsiTokenStoreError(characterId, "the data is not a sealed token record");
    }
    let bytes: Uint8Array;
    try {
      bytes = base64url.decode(sealed.slice(VERSION.length));
    } catch (cause) {
      throw new EsiTokenStoreError(characterId, "the data is not a sealed token record", { cause });
    }
    if (bytes.length <= IV_BYTES + 16) {
      throw new EsiTokenStoreError(characterId, "the data is too short to be a sealed record");
    }
    let plain: ArrayBuffer;
    try {
      plain = await crypto.subtle.decrypt(
        {
          name: "AES-GCM",
          iv: bytes.slice(0, IV_BYTES),
          additionalData: this.#aad(characterId),
        },
        await this.#key,
        bytes.slice(IV_BYTES),
      );
    } catch (cause) {
      throw new EsiTokenStoreError(
        characterId,
        "the data is not authentic (tampered with, sealed with another key, or for another character)",
        { cause },
      );
    }
    let record: unknown;
    try {
      record = JSON.parse(new TextDecoder().decode(plain));
    } catch (cause) {
      throw new EsiTokenStoreError(characterId, "the decrypted data is not JSON", { cause });
    }
    if (!isStoredToken(record, characterId)) {
      throw new EsiTokenStoreError(characterId, "the decrypted data is not a token record");
    }
    return record;
  }

  /**
   * Encrypts a character's record (with a fresh IV) and writes it.
   *
   * @param characterId The character.
   * @param record The record.
   */
  async set(characterId: number, record: StoredToken): Promise<void> {
    const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
    const cipher = await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: this.#aad(characterId) },
      await this.#key,
      new TextEncoder().encode(JSON.stringify(record)),
    );
    const sealed = new Uint8Array(IV_BYTES + cipher.byteLength);
    sealed.set(iv);
    sealed.set(new Uint8Array(cipher), IV_BYTES);
    await this.#backend.set(this.#prefix + characterId, VERSION + base64url.encode(sealed));
  }

  /**
   * Removes a character's record.
   *
   * @param characterId The character.
   */
  async delete(characterId: number): Promise<void> {
    await this.#backend.delete(this.#prefix + characterId);
  }

  #aad(characterId: number): Uint8Array<ArrayBuffer> {
    return new TextEncoder().encode(`esikit:token:${characterId}`);
  }
}
