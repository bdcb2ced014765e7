/**
 * The contract every cache store fulfils, and the entry it stores.
 *
 * @module
 */

/**
 * One stored HTTP response: what a later call needs to answer from the cache
 * or to revalidate with `If-None-Match`.
 */
export interface CacheEntry {
  /** The HTTP status of the stored response (200, or 204). */
  status: number;
  /**
   * The response headers worth keeping, lower-case names: `etag`,
   * `last-modified`, `expires`, `date`, `cache-control`, `x-pages`,
   * `content-type`, `x-compatibility-date`, …
   */
  headers: Record<string, string>;
  /** The body, undecoded. */
  body: Uint8Array;
  /** When the response was stored, in epoch milliseconds. */
  storedAt: number;
  /** When the response stops being fresh, in epoch milliseconds. */
  expiresAt: number;
}

/**
 * A place to keep responses. Stores are shared across concurrent calls and
 * across derived clients; each operation is independent and atomic for one key.
 *
 * A store must never fail a call: it reads a corrupted, truncated or
 * unreadable entry as a miss (`undefined`). Errors it cannot hide (a store
 * that is down) may be thrown; the client turns them into misses.
 *
 * @example A store that keeps nothing
 * ```ts
 * import type { CacheEntry, CacheStore } from "@esikit/esi";
 *
 * class NoCache implements CacheStore {
 *   get(_key: string): Promise<CacheEntry | undefined> { return Promise.resolve(undefined); }
 *   set(_key: string, _entry: CacheEntry, _ttlMs: number): Promise<void> { return Promise.resolve(); }
 *   delete(_key: string): Promise<void> { return Promise.resolve(); }
 * }
 * new NoCache();
 * ```
 */
export interface CacheStore {
  /**
   * Whether the store answers from this process's memory, without I/O: the
   * client then puts no deadline on its calls (a deadline guards against a
   * stalled remote store, and costs a timer per call).
   * @default false
   */
  readonly inMemory?: boolean;
  /**
   * Reads an entry.
   *
   * @param key The cache key (may be long; stores hash it where they must).
   * @param options `scan`: the read is one of a walk's many, each read once
   *   (a store with a memory tier does not copy the entry into it).
   * @returns The entry, or `undefined` when there is none, it has outlived
   *   its TTL, or it cannot be read whole.
   */
  get(key: string, options?: { scan?: boolean }): Promise<CacheEntry | undefined>;
  /**
   * Writes an entry, replacing any other under the key.
   *
   * @param key The cache key.
   * @param entry The entry.
   * @param ttlMs How long to keep it, in milliseconds: past the entry's
   *   freshness, so that it can still be revalidated or served stale on error.
   * @param options `scan`: the entry is one of a walk's many, each read once
   *   (a store with a memory tier keeps it in its shared tier only).
   */
  set(key: string, entry: CacheEntry, ttlMs: number, options?: { scan?: boolean }): Promise<void>;
  /**
   * Removes an entry; removing a missing one is not an error.
   *
   * @param key The cache key.
   */
  delete(key: string): Promise<void>;
}
