/**
 * A small per-isolate memory cache in front of the shared one. ESI's answers
 * do not change before they expire, so a fresh entry this isolate already
 * holds is as good as the shared store's: only entries past their freshness
 * (to revalidate) and misses go to the shared store.
 *
 * TODO(cache engineer): a candidate for `src/cache/` — nothing here is gateway-specific.
 *
 * @module
 */

import { MemoryCache } from "../src/cache/memory.ts";
import type { CacheEntry, CacheStore } from "../src/cache/store.ts";
import { type Clock, systemClock } from "../src/clock.ts";

/** Options of {@link TieredCache}. */
export interface TieredCacheOptions {
  /** The shared store: the truth every isolate agrees on. */
  shared: CacheStore;
  /**
   * The isolate's memory budget for the near tier, in bytes.
   * @default 32 MiB
   */
  maxBytes?: number;
  /**
   * The clock freshness is judged by.
   * @default systemClock
   */
  clock?: Clock;
}

/**
 * Reads fresh entries from memory, everything else from the shared store;
 * writes go to both.
 *
 * @example
 * ```ts
 * import { MemoryCache } from "../src/cache/memory.ts";
 * import { TieredCache } from "./tiered_cache.ts";
 * const cache = new TieredCache({ shared: new MemoryCache() });
 * await cache.get("GET https://esi.evetech.net/status"); // undefined
 * ```
 */
export class TieredCache implements CacheStore {
  readonly #near: MemoryCache;
  readonly #shared: CacheStore;
  readonly #clock: Clock;

  /** @param options The shared store, the memory budget and the clock. */
  constructor({ shared, maxBytes = 32 * 1024 * 1024, clock = systemClock }: TieredCacheOptions) {
    this.#near = new MemoryCache({ maxBytes, clock });
    this.#shared = shared;
    this.#clock = clock;
  }

  async get(key: string): Promise<CacheEntry | undefined> {
    const near = await this.#near.get(key);
    if (near && this.#clock.now() < near.expiresAt) return near;
    const entry = await this.#shared.get(key);
    const ttl = entry ? entry.expiresAt - this.#clock.now() : 0;
    if (entry && ttl > 0) await this.#near.set(key, entry, ttl);
    return entry;
  }

  async set(key: string, entry: CacheEntry, ttlMs: number): Promise<void> {
    const fresh = entry.expiresAt - this.#clock.now();
    if (fresh > 0) await this.#near.set(key, entry, Math.min(fresh, ttlMs));
    await this.#shared.set(key, entry, ttlMs);
  }

  async delete(key: string): Promise<void> {
    await this.#near.delete(key);
    await this.#shared.delete(key);
  }
}
