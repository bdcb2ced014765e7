/**
 * A cache store on Upstash Redis, over its REST API with `@upstash/redis`:
 * the shared cache of serverless deployments (Cloudflare Workers, Deno
 * Deploy, any edge function), where nothing outlives a request but Redis.
 *
 * - An entry is encoded with {@link encodeEntry} (checksummed) and stored as
 *   base64 text, which survives JSON, the SDK's automatic deserialisation
 *   (the text never parses as JSON) and its base64 response encoding alike.
 * - It is written with `SET … PX ttl`, so Redis drops it itself; the drop
 *   time is also kept in the entry and checked on read through the clock.
 *   With the store's own client (`url` and `token`), an entry over 16 KiB
 *   is sent alone, its base64 written straight into the request's bytes
 *   (./upstash_set.ts): through the SDK it cost three copies as text, and
 *   twenty market pages written at once made one 8 MB request. Its reads
 *   (./upstash_get.ts) are pipelined per tick as the SDK's are, each value
 *   decoded from the answer's bytes rather than from two strings.
 * - Every operation is one command. Commands issued together (the pages of
 *   one paginated call, looked up at once) share one HTTP round trip through
 *   the SDK's auto-pipelining. A 2 MiB entry is one 2.7 MiB request, under
 *   Upstash's 10 MB limit.
 * - **A cache outage never fails an ESI call**: errors and timeouts are
 *   reported through `hooks.storeError` and read as misses.
 *
 * @module
 */

import { Redis } from "@upstash/redis";
import { type Clock, systemClock } from "../clock.ts";
import type { CacheEntry, CacheStore } from "./store.ts";
import { decodeEntry, encodeEntry } from "./codec.ts";
import { decodeBase64, encodeBase64 } from "./base64.ts";
import { guardWithin, type StoreHooks } from "./guard.ts";
import { backendKey } from "./key.ts";
import { setBase64, type UpstashRest } from "./upstash_set.ts";
import { UpstashReader } from "./upstash_get.ts";

// The types this entry point's API names, so that its documentation is whole.
export type { CacheEntry, CacheStore } from "./store.ts";
export type { StoreHooks } from "./guard.ts";
export type { Hook, StoreErrorEvent } from "../observe/hooks.ts";
export type { Clock } from "../clock.ts";

/**
 * The largest entry written through the SDK (auto-pipelined with the
 * commands issued alongside): a larger one is sent on its own, as bytes.
 */
const MAX_PIPELINED_BYTES = 16 * 1024;

/** Longer keys are stored as their SHA-256 (Upstash allows 32 KiB; Redis memory likes short). */
const MAX_RAW_KEY_BYTES = 256;

/**
 * The commands the store sends: what an `@upstash/redis` `Redis` has (or any
 * client that answers the same way).
 *
 * @example
 * ```ts
 * import { Redis } from "@upstash/redis";
 * import type { UpstashRedisLike } from "@esikit/esi/upstash";
 * const redis: UpstashRedisLike = new Redis({ url: "https://eu1-example.upstash.io", token: "…" });
 * ```
 */
export interface UpstashRedisLike {
  /**
   * `GET key`.
   * @param key The key.
   */
  get<T>(key: string): Promise<T | null>;
  /**
   * `SET key value PX px`.
   * @param key The key.
   * @param value The value.
   * @param options `px`: the TTL, in milliseconds.
   */
  set(key: string, value: string, options: { px: number }): Promise<unknown>;
  /**
   * `DEL key…`.
   * @param keys The keys.
   */
  del(...keys: string[]): Promise<number>;
}

/**
 * Options of an {@link UpstashCache}.
 *
 * @example
 * ```ts
 * import type { UpstashCacheOptions } from "@esikit/esi/upstash";
 * const options: UpstashCacheOptions = {
 *   url: "https://eu1-example.upstash.io",
 *   token: "…",
 *   timeoutMs: 300,
 * };
 * ```
 */
export interface UpstashCacheOptions {
  /**
   * A client of your own. The timeout still bounds each operation, but a
   * request that outlives it is abandoned, not aborted: give the client
   * `retry: false` and a `signal` of your own to bound it.
   * @default undefined
   */
  redis?: UpstashRedisLike;
  /**
   * The database's REST URL, when no `redis` is given: the store then makes
   * its own client, without retries (a miss is cheaper than a retry), whose
   * requests are aborted after `timeoutMs`.
   * @default undefined
   */
  url?: string;
  /**
   * The database's REST token, with `url`. Never logged, never in an error message.
   * @default undefined
   */
  token?: string;
  /**
   * The prefix of every key this store writes, to share a database.
   * @default "esikit:cache:"
   */
  prefix?: string;
  /**
   * How long one operation may take before it counts as a miss, in
   * milliseconds.
   * @default 1000
   */
  timeoutMs?: number;
  /**
   * The clock that expiry is checked against and timeouts are timed by.
   * @default systemClock
   */
  clock?: Clock;
  /**
   * Where failures and timeouts are reported; a failed read is a miss, a
   * failed write or delete a no-op.
   * @default undefined
   */
  hooks?: StoreHooks;
}

/**
 * A {@link CacheStore} on Upstash Redis: shared by every isolate and every
 * instance, entries dropped by Redis after their TTL, a slow or failing
 * Redis turned into misses within `timeoutMs` and reported through
 * `hooks.storeError`.
 *
 * @example From the database's REST URL and token
 * ```ts
 * import { EsiClient } from "@esikit/esi";
 * import { UpstashCache } from "@esikit/esi/upstash";
 *
 * const cache = new UpstashCache({
 *   url: "https://eu1-example.upstash.io",
 *   token: "…", // from your secrets: UPSTASH_REDIS_REST_TOKEN
 *   hooks: { storeError: [(e) => console.warn(e.error.message)] },
 * });
 * const esi = new EsiClient({ userAgent: "MyApp/1.0 (me@example.com)", cache });
 * ```
 *
 * @example With a client of your own
 * ```ts
 * import { Redis } from "@upstash/redis";
 * import { UpstashCache } from "@esikit/esi/upstash";
 *
 * const redis = new Redis({
 *   url: "https://eu1-example.upstash.io",
 *   token: "…",
 *   automaticDeserialization: false,
 *   retry: false,
 * });
 * const cache = new UpstashCache({ redis, prefix: "myapp:esi:", timeoutMs: 500 });
 * ```
 */
export class UpstashCache implements CacheStore {
  readonly #redis: UpstashRedisLike;
  readonly #rest?: UpstashRest;
  readonly #reader?: UpstashReader;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  readonly #clock: Clock;
  readonly #hooks?: StoreHooks;

  /**
   * Creates the store.
   *
   * @param options The client (or URL and token), the prefix, the timeout, the clock and the hooks.
   * @throws {TypeError} When neither `redis` nor both `url` and `token` are given.
   */
  constructor(options: UpstashCacheOptions) {
    const { redis, url, token } = options;
    this.#timeoutMs = options.timeoutMs ?? 1000;
    if (redis) {
      this.#redis = redis;
    } else if (url && token) {
      this.#redis = new Redis({
        url,
        token,
        automaticDeserialization: false,
        retry: false,
        enableTelemetry: false,
        // Our values are ASCII (base64) already: a second base64 layer on
        // the response would only cost time.
        responseEncoding: false,
        // Called per HTTP request (which may carry several auto-pipelined
        // commands): no request outlives the timeout.
        signal: () => AbortSignal.timeout(this.#timeoutMs),
      });
      this.#rest = {
        url: url.replace(/\/+$/, ""),
        token,
        signal: () => AbortSignal.timeout(this.#timeoutMs),
      };
      this.#reader = new UpstashReader(this.#rest);
    } else {
      throw new TypeError(
        'Cannot create an Upstash cache: pass "redis", or both "url" and "token"',
      );
    }
    this.#prefix = options.prefix ?? "esikit:cache:";
    this.#clock = options.clock ?? systemClock;
    this.#hooks = options.hooks;
  }

  /**
   * Reads an entry: `undefined` when there is none, when it has outlived its
   * TTL by the clock, when it cannot be read whole, or when Redis fails or is
   * too slow.
   *
   * @param key The cache key.
   * @returns The entry, or `undefined`.
   */
  get(key: string): Promise<CacheEntry | undefined> {
    return this.#run("get", undefined, async () => {
      const stored = await this.#key(key);
      let bytes: Uint8Array | null | undefined;
      // Our own client decodes the base64 straight from the answer's bytes.
      if (this.#reader) bytes = await this.#reader.get(stored);
      else {
        const text = await this.#redis.get<string>(stored);
        bytes = typeof text === "string" ? decodeBase64(text) : undefined;
      }
      const decoded = bytes && decodeEntry(bytes);
      if (!decoded || decoded.keepUntil <= this.#clock.now()) return undefined;
      return decoded.entry;
    });
  }

  /**
   * Writes an entry with `PX ttlMs`; a `ttlMs` of zero or less deletes it.
   *
   * @param key The cache key.
   * @param entry The entry.
   * @param ttlMs How long to keep it, in milliseconds.
   */
  set(key: string, entry: CacheEntry, ttlMs: number): Promise<void> {
    if (!(ttlMs > 0)) return this.delete(key);
    return this.#run("set", undefined, async () => {
      const bytes = encodeEntry(entry, this.#clock.now() + ttlMs);
      const stored = await this.#key(key);
      // A large entry is sent alone, its base64 written straight into the request's bytes.
      if (this.#rest && bytes.length > MAX_PIPELINED_BYTES) {
        await setBase64(this.#rest, stored, bytes, ttlMs);
      } else await this.#redis.set(stored, encodeBase64(bytes), { px: Math.ceil(ttlMs) });
    });
  }

  /**
   * Removes an entry.
   *
   * @param key The cache key.
   */
  delete(key: string): Promise<void> {
    return this.#run("delete", undefined, async () => {
      await this.#redis.del(await this.#key(key));
    });
  }

  #key(key: string): Promise<string> {
    return backendKey(this.#prefix, key, MAX_RAW_KEY_BYTES);
  }

  /** Runs one operation under the timeout; failures become `fallback`. */
  #run<T>(
    operation: "get" | "set" | "delete",
    fallback: T,
    work: () => Promise<T>,
  ): Promise<T> {
    const deadline = { clock: this.#clock, timeoutMs: this.#timeoutMs };
    return guardWithin("upstash", operation, this.#hooks, fallback, deadline, work);
  }
}
