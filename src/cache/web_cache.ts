/**
 * A cache store on the Web Cache API (`caches.open(name)`): Cloudflare
 * Workers' per-data-centre cache, and Deno's on-disk one.
 *
 * - A key becomes a synthetic `https` URL: the base URL plus the key's
 *   SHA-256, so any key is a valid, short URL.
 * - The entry is encoded with {@link encodeEntry} (checksummed) as the body
 *   of a plain `200` response, whatever the entry's own status.
 * - The Cache API has no TTL of its own: the drop time rides along in a
 *   header and in the entry and is checked on read through the clock; an
 *   entry found past it is deleted. `Cache-Control: max-age` is set too, for
 *   runtimes that honour it when evicting (Cloudflare does).
 *
 * @module
 */

import { type Clock, systemClock } from "../clock.ts";
import type { CacheEntry, CacheStore } from "./store.ts";
import { decodeEntry, encodeEntry } from "./codec.ts";
import { guard, type StoreHooks } from "./guard.ts";
import { sha256Hex } from "../digest.ts";

const KEEP_UNTIL = "x-esikit-keep-until";

/**
 * Options of a {@link WebCache}.
 *
 * @example
 * ```ts
 * import type { WebCacheOptions } from "@esikit/esi";
 * const options: WebCacheOptions = { name: "esi", baseUrl: "https://esi-cache.example.com/" };
 * ```
 */
export interface WebCacheOptions {
  /**
   * The name of the cache to open from `caches`.
   * @default "esikit"
   */
  name?: string;
  /**
   * An open cache to use instead, e.g. Cloudflare's `caches.default`.
   * @default undefined
   */
  cache?: Cache;
  /**
   * Where to open `name` from.
   * @default globalThis.caches
   */
  caches?: CacheStorage;
  /**
   * The URL the synthetic keys are built on; on Cloudflare, a host of your
   * zone keeps the entries yours alone.
   * @default "https://esikit.cache.invalid/"
   */
  baseUrl?: string;
  /**
   * The clock that expiry is checked against.
   * @default systemClock
   */
  clock?: Clock;
  /**
   * Where Cache API failures are reported; a failed read is a miss, a failed
   * write or delete a no-op.
   * @default undefined
   */
  hooks?: StoreHooks;
}

/**
 * A {@link CacheStore} on the Web Cache API, for Cloudflare Workers (where
 * it is free and local to the data centre) and Deno; expiry is checked on
 * read, failures are reported through `hooks.storeError` and read as misses.
 *
 * @example
 * ```ts
 * import { EsiClient, WebCache } from "@esikit/esi";
 *
 * const cache = new WebCache({ name: "esi" });
 * const esi = new EsiClient({ userAgent: "MyApp/1.0 (me@example.com)", cache });
 * ```
 *
 * @example On Cloudflare Workers, the default cache under your own host
 * ```ts ignore
 * import { WebCache } from "@esikit/esi";
 *
 * const cache = new WebCache({
 *   cache: (caches as unknown as { default: Cache }).default,
 *   baseUrl: "https://esi-cache.example.com/",
 * });
 * ```
 */
export class WebCache implements CacheStore {
  readonly #name: string;
  readonly #baseUrl: string;
  readonly #clock: Clock;
  readonly #hooks?: StoreHooks;
  readonly #storage?: CacheStorage;
  #cache?: Cache;
  #opening?: Promise<Cache>;

  /**
   * Creates the store; the named cache is opened on first use.
   *
   * @param options The cache, its name, the base URL, the clock and the hooks.
   */
  constructor(options: WebCacheOptions = {}) {
    this.#name = options.name ?? "esikit";
    this.#cache = options.cache;
    this.#storage = options.caches;
    const base = options.baseUrl ?? "https://esikit.cache.invalid/";
    this.#baseUrl = base.endsWith("/") ? base : `${base}/`;
    this.#clock = options.clock ?? systemClock;
    this.#hooks = options.hooks;
  }

  /**
   * Reads an entry: `undefined` when there is none, when it has outlived its
   * TTL by the clock, when it cannot be read whole, or when the cache fails.
   *
   * @param key The cache key.
   * @returns The entry, or `undefined`.
   */
  get(key: string): Promise<CacheEntry | undefined> {
    return guard("web-cache", "get", this.#hooks, undefined, async () => {
      const cache = await this.#open();
      const url = await this.#url(key);
      const response = await cache.match(url);
      if (!response) return undefined;
      const keepUntil = Number(response.headers.get(KEEP_UNTIL));
      if (!(keepUntil > this.#clock.now())) {
        await response.body?.cancel();
        await cache.delete(url);
        return undefined;
      }
      const decoded = decodeEntry(new Uint8Array(await response.arrayBuffer()));
      if (!decoded || decoded.keepUntil <= this.#clock.now()) return undefined;
      return decoded.entry;
    });
  }

  /**
   * Writes an entry, to be dropped `ttlMs` from now; a `ttlMs` of zero or less
   * deletes it instead.
   *
   * @param key The cache key.
   * @param entry The entry.
   * @param ttlMs How long to keep it, in milliseconds.
   */
  set(key: string, entry: CacheEntry, ttlMs: number): Promise<void> {
    if (!(ttlMs > 0)) return this.delete(key);
    return guard("web-cache", "set", this.#hooks, undefined, async () => {
      const keepUntil = this.#clock.now() + ttlMs;
      const bytes = encodeEntry(entry, keepUntil);
      const cache = await this.#open();
      const response = new Response(bytes as Uint8Array<ArrayBuffer>, {
        headers: {
          "content-type": "application/octet-stream",
          "cache-control": `max-age=${Math.max(1, Math.ceil(ttlMs / 1000))}`,
          [KEEP_UNTIL]: String(keepUntil),
        },
      });
      await cache.put(await this.#url(key), response);
    });
  }

  /**
   * Removes an entry.
   *
   * @param key The cache key.
   */
  delete(key: string): Promise<void> {
    return guard("web-cache", "delete", this.#hooks, undefined, async () => {
      const cache = await this.#open();
      await cache.delete(await this.#url(key));
    });
  }

  #open(): Promise<Cache> {
    if (this.#cache) return Promise.resolve(this.#cache);
    this.#opening ??= Promise.resolve()
      .then(() => {
        const storage = this.#storage ?? globalThis.caches;
        if (!storage) throw new Error("The Cache API is not available here");
        return storage.open(this.#name);
      })
      .then(
        (cache) => this.#cache = cache,
        (error) => {
          // Let the next call try again.
          this.#opening = undefined;
          throw error;
        },
      );
    return this.#opening;
  }

  async #url(key: string): Promise<string> {
    return `${this.#baseUrl}${await sha256Hex(key)}`;
  }
}
