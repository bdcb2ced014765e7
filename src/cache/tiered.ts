/**
 * A cache store in front of another: typically an isolate's memory over a
 * store every isolate shares (Deno KV, Upstash, the Cache API). ESI's answers
 * do not change before they expire, so a fresh entry the near tier holds is
 * as good as the shared one: only stale entries (to revalidate) and misses
 * go to the shared store, and a hit costs no network round trip.
 *
 * @module
 */

import { type Clock, systemClock } from "../clock.ts";
import { MemoryCache } from "./memory.ts";
import type { CacheEntry, CacheStore } from "./store.ts";

/** Options of a {@link TieredCache}. */
export interface TieredCacheOptions {
  /** The shared store: the truth every isolate agrees on. */
  shared: CacheStore;
  /**
   * The near tier, asked first.
   * @default a MemoryCache of `maxBytes`
   */
  near?: CacheStore;
  /**
   * The default near tier's memory budget, in bytes.
   * @default 33554432 (32 MiB)
   */
  maxBytes?: number;
  /**
   * The clock freshness is judged by.
   * @default systemClock
   */
  clock?: Clock;
}

/**
 * Reads fresh entries from the near tier, everything else from the shared
 * store (copying fresh ones near); writes and deletes go to both. The near
 * tier keeps an entry no longer than it is fresh, so a stale one is always
 * revalidated against what the other isolates may already have stored. A
 * walk's pages (`scan`) stay in the shared store: read once each, hundreds
 * of them would push out of the near tier what is read often.
 *
 * @example Memory over Deno KV
 * ```ts
 * import { EsiClient, MemoryCache, TieredCache } from "@esikit/esi";
 *
 * const shared = new MemoryCache(); // in production: DenoKvCache, UpstashCache or WebCache
 * const esi = new EsiClient({
 *   userAgent: "MyApp/1.0 (me@example.com)",
 *   cache: new TieredCache({ shared, maxBytes: 16 * 1024 * 1024 }),
 * });
 * ```
 */
export class TieredCache implements CacheStore {
  readonly #near: CacheStore;
  readonly #shared: CacheStore;
  readonly #clock: Clock;

  /**
   * Creates the store.
   *
   * @param options The shared store, the near tier or its budget, and the clock.
   */
  constructor(options: TieredCacheOptions) {
    const { shared, maxBytes = 32 * 1024 * 1024, clock = systemClock } = options;
    this.#near = options.near ?? new MemoryCache({ maxBytes, clock });
    this.#shared = shared;
    this.#clock = clock;
  }

  /**
   * Reads an entry: the near tier's when fresh, else the shared store's.
   *
   * @param key The cache key.
   * @param options `scan`: one of a walk's reads, not copied near.
   * @returns The entry, or `undefined`.
   */
  async get(key: string, options?: { scan?: boolean }): Promise<CacheEntry | undefined> {
    const near = await this.#near.get(key);
    if (near && this.#clock.now() < near.expiresAt) return near;
    const entry = await this.#shared.get(key);
    const fresh = entry ? entry.expiresAt - this.#clock.now() : 0;
    if (entry && fresh > 0 && !options?.scan) await this.#near.set(key, entry, fresh);
    return entry;
  }

  /**
   * Writes an entry to both tiers (to the near one only while it is fresh;
   * a near copy of an older version is dropped either way).
   *
   * @param key The cache key.
   * @param entry The entry.
   * @param ttlMs How long the shared store keeps it.
   * @param options `scan`: one of a walk's writes, kept in the shared store only.
   */
  async set(
    key: string,
    entry: CacheEntry,
    ttlMs: number,
    options?: { scan?: boolean },
  ): Promise<void> {
    const fresh = entry.expiresAt - this.#clock.now();
    if (fresh > 0 && !options?.scan) await this.#near.set(key, entry, Math.min(fresh, ttlMs));
    else await this.#near.delete(key);
    await this.#shared.set(key, entry, ttlMs);
  }

  /**
   * Removes an entry from both tiers.
   *
   * @param key The cache key.
   */
  async delete(key: string): Promise<void> {
    await this.#near.delete(key);
    await this.#shared.delete(key);
  }
}
