/**
 * An in-process LRU cache, bounded by bytes and by entries.
 *
 * @module
 */

import { type Clock, systemClock } from "../clock.ts";
import type { CacheEntry, CacheStore } from "./store.ts";

/** Options of a {@link MemoryCache}. */
export interface MemoryCacheOptions {
  /**
   * The most bytes the entries may hold (bodies, headers and keys, roughly).
   * @default 67108864 (64 MiB)
   */
  maxBytes?: number;
  /**
   * The most entries.
   * @default 10000
   */
  maxEntries?: number;
  /**
   * The clock that times the TTLs.
   * @default systemClock
   */
  clock?: Clock;
}

interface Slot {
  entry: CacheEntry;
  bytes: number;
  dropAt: number;
}

// What an entry costs beyond its body, keys and header text: the objects around them.
const overheadBytes = 200;

/**
 * An in-process LRU cache bounded by bytes and entries: the fastest store,
 * for long-running servers and as a first tier. It dies with the isolate; on
 * the edge, pick a store that outlives it (`DenoKvCache`, `UpstashCache`,
 * `WebCache`).
 *
 * Entries are returned as stored: callers must not change them.
 *
 * @example
 * ```ts
 * import { EsiClient, MemoryCache } from "@esikit/esi";
 * const esi = new EsiClient({
 *   userAgent: "MyApp/1.0 (me@example.com)",
 *   cache: new MemoryCache({ maxBytes: 256 * 1024 * 1024 }),
 * });
 * ```
 */
export class MemoryCache implements CacheStore {
  /** It answers from memory: no deadline is needed on its calls. */
  readonly inMemory = true;
  #slots = new Map<string, Slot>();
  #bytes = 0;
  readonly #maxBytes: number;
  readonly #maxEntries: number;
  readonly #clock: Clock;

  /**
   * Creates an empty cache.
   *
   * @param options The bounds and the clock.
   */
  constructor(options: MemoryCacheOptions = {}) {
    this.#maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#clock = options.clock ?? systemClock;
  }

  /** How many entries are held. */
  get size(): number {
    return this.#slots.size;
  }

  /** How many bytes the entries hold, as counted against `maxBytes`. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Reads an entry and marks it most recently used.
   *
   * @param key The cache key.
   * @returns The entry, or `undefined` when there is none or its TTL has passed.
   */
  get(key: string): Promise<CacheEntry | undefined> {
    const slot = this.#slots.get(key);
    if (!slot) return Promise.resolve(undefined);
    if (this.#clock.now() >= slot.dropAt) {
      this.#remove(key, slot);
      return Promise.resolve(undefined);
    }
    // Re-inserting moves the key to the end of the Map's order: most recent.
    this.#slots.delete(key);
    this.#slots.set(key, slot);
    return Promise.resolve(slot.entry);
  }

  /**
   * Writes an entry, evicting the least recently used ones past the bounds.
   * An entry larger than `maxBytes` on its own is not kept.
   *
   * @param key The cache key.
   * @param entry The entry.
   * @param ttlMs How long to keep it, in milliseconds.
   */
  set(key: string, entry: CacheEntry, ttlMs: number): Promise<void> {
    const old = this.#slots.get(key);
    if (old) this.#remove(key, old);
    const bytes = sizeOf(key, entry);
    if (ttlMs <= 0 || bytes > this.#maxBytes) return Promise.resolve();
    this.#slots.set(key, { entry, bytes, dropAt: this.#clock.now() + ttlMs });
    this.#bytes += bytes;
    this.#evict();
    return Promise.resolve();
  }

  /**
   * Removes an entry.
   *
   * @param key The cache key.
   */
  delete(key: string): Promise<void> {
    const slot = this.#slots.get(key);
    if (slot) this.#remove(key, slot);
    return Promise.resolve();
  }

  /** Removes every entry. */
  clear(): void {
    this.#slots.clear();
    this.#bytes = 0;
  }

  #remove(key: string, slot: Slot): void {
    this.#slots.delete(key);
    this.#bytes -= slot.bytes;
  }

  #evict(): void {
    for (const [key, slot] of this.#slots) {
      if (this.#bytes <= this.#maxBytes && this.#slots.size <= this.#maxEntries) return;
      this.#remove(key, slot);
    }
  }
}

function sizeOf(key: string, entry: CacheEntry): number {
  let bytes = overheadBytes + key.length * 2 + entry.body.byteLength;
  for (const name in entry.headers) bytes += (name.length + entry.headers[name].length) * 2;
  return bytes;
}
