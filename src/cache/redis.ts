/**
 * A cache store on a Redis server of your own, over TCP with ioredis: the
 * shared cache of self-hosted deployments (a VPS, a container, SeAT's Redis),
 * where the module runs on a server (Deno, Node, Bun) rather than at the edge.
 *
 * - An entry is encoded with {@link encodeEntry} (checksummed) and stored as
 *   raw bytes: Redis strings are binary-safe, so no base64 layer.
 * - It is written with `SET … PX ttl`, so Redis drops it itself; the drop
 *   time is also kept in the entry and checked on read through the clock.
 * - Every operation is one command; commands issued together (the pages of
 *   one paginated call) share one round trip through ioredis's
 *   auto-pipelining.
 * - **Every wait is bounded**: each operation races `timeoutMs` on the clock,
 *   and the client itself gives up on a command after `timeoutMs` and on a
 *   connection attempt after `connectTimeoutMs`, so a stalled Redis neither
 *   hangs a call nor piles up commands. Errors and timeouts are reported
 *   through `hooks.storeError` and read as misses.
 *
 * Why ioredis rather than node-redis: it is plain JavaScript (node-redis 5
 * lists a native addon, `@node-rs/xxhash`, among its peers), it runs unchanged
 * under Deno's `npm:` support (checked against `redis-server` in the tests),
 * it has both a per-command and a connect timeout, it answers bulk strings
 * as bytes (`getBuffer`), and it pipelines concurrent commands by itself.
 * This file and `deno_kv.ts` are the only cache stores allowed `node:`
 * modules (see the design's layout rules).
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { Redis } from "ioredis";
import { type Clock, systemClock } from "../clock.ts";
import type { CacheEntry, CacheStore } from "./store.ts";
import { decodeEntry, encodeEntry } from "./codec.ts";
import { guardWithin, type StoreHooks } from "./guard.ts";
import { backendKey } from "./key.ts";

// The types this entry point's API names, so that its documentation is whole.
export type { CacheEntry, CacheStore } from "./store.ts";
export type { StoreHooks } from "./guard.ts";
export type { Hook, StoreErrorEvent } from "../observe/hooks.ts";
export type { Clock } from "../clock.ts";

/** Longer keys are stored as their SHA-256: Redis memory likes short keys. */
const MAX_RAW_KEY_BYTES = 256;

/**
 * The commands the store sends: what an ioredis `Redis` has (or any client
 * that answers the same way). Values are Node `Buffer`s: ioredis sends any
 * other `Uint8Array` as text.
 *
 * @example
 * ```ts
 * import { Redis } from "ioredis";
 * import type { RedisClientLike } from "@esikit/esi/redis";
 * const redis: RedisClientLike = new Redis("redis://127.0.0.1:6379", { lazyConnect: true });
 * ```
 */
export interface RedisClientLike {
  /**
   * `GET key`, the value as bytes.
   * @param key The key.
   */
  getBuffer(key: string): Promise<Buffer | null>;
  /**
   * `SET key value PX px`.
   * @param key The key.
   * @param value The value.
   * @param mode `"PX"`.
   * @param px The TTL, in milliseconds.
   */
  set(key: string, value: Buffer, mode: "PX", px: number): Promise<unknown>;
  /**
   * `DEL key`.
   * @param key The key.
   */
  del(key: string): Promise<number>;
}

/**
 * Options of a {@link RedisCache}.
 *
 * @example
 * ```ts
 * import type { RedisCacheOptions } from "@esikit/esi/redis";
 * const options: RedisCacheOptions = { url: "redis://127.0.0.1:6379/0", timeoutMs: 300 };
 * ```
 */
export interface RedisCacheOptions {
  /**
   * The server, as a `redis://` (or `rediss://`, TLS) URL with any user,
   * password and database number: the store then makes and owns its own
   * client. The password is never logged nor put in an error message.
   * @default undefined
   */
  url?: string;
  /**
   * A client of your own (an ioredis `Redis`). The timeout still bounds each
   * operation, but give the client a `commandTimeout` of its own so that a
   * stalled command is also dropped there. {@link RedisCache.close} leaves it open.
   * @default undefined
   */
  redis?: RedisClientLike;
  /**
   * The prefix of every key this store writes, to share a database.
   * @default "esikit:cache:"
   */
  prefix?: string;
  /**
   * How long one operation may take before it counts as a miss, in
   * milliseconds; also the client's `commandTimeout`.
   * @default 1000
   */
  timeoutMs?: number;
  /**
   * How long one connection attempt may take, in milliseconds, before the
   * client gives it up and tries again later (with `url` only).
   * @default 5000
   */
  connectTimeoutMs?: number;
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
 * A {@link CacheStore} on a Redis server: shared by every process that uses
 * the same server and prefix, entries dropped by Redis after their TTL, a
 * slow, stalled or failing Redis turned into misses within `timeoutMs` and
 * reported through `hooks.storeError`. Close it when done.
 *
 * @example A client's cache on a local Redis
 * ```ts
 * import { EsiClient } from "@esikit/esi";
 * import { RedisCache } from "@esikit/esi/redis";
 *
 * await using cache = new RedisCache({
 *   url: "redis://127.0.0.1:6379",
 *   hooks: { storeError: [(e) => console.warn(e.error.message)] },
 * });
 * const esi = new EsiClient({ userAgent: "MyApp/1.0 (me@example.com)", cache });
 * ```
 *
 * @example With an ioredis client of your own
 * ```ts
 * import { Redis } from "ioredis";
 * import { RedisCache } from "@esikit/esi/redis";
 *
 * const redis = new Redis("redis://127.0.0.1:6379", { commandTimeout: 500 });
 * const cache = new RedisCache({ redis, prefix: "myapp:esi:", timeoutMs: 500 });
 * ```
 */
export class RedisCache implements CacheStore, AsyncDisposable {
  readonly #redis: RedisClientLike;
  readonly #owned?: Redis;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  readonly #clock: Clock;
  readonly #hooks?: StoreHooks;

  /**
   * Creates the store; with `url`, its client starts connecting at once.
   *
   * @param options The server (or a client), the prefix, the timeouts, the clock and the hooks.
   * @throws {TypeError} When neither `url` nor `redis` is given.
   */
  constructor(options: RedisCacheOptions) {
    const { redis, url } = options;
    this.#timeoutMs = options.timeoutMs ?? 1000;
    if (redis) {
      this.#redis = redis;
    } else if (url) {
      const owned = new Redis(url, {
        commandTimeout: this.#timeoutMs,
        connectTimeout: options.connectTimeoutMs ?? 5000,
        // Commands wait for the first connection, but fail at once when an
        // attempt fails: a miss is cheaper than a retry.
        maxRetriesPerRequest: 0,
        enableAutoPipelining: true,
      });
      // Connection errors also fail the commands in flight, which report them;
      // without a listener ioredis would print each one.
      owned.on("error", () => {});
      this.#owned = owned;
      this.#redis = owned;
    } else {
      throw new TypeError('Cannot create a Redis cache: pass "url" or "redis"');
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
      const stored = await this.#redis.getBuffer(await this.#key(key));
      if (!stored) return undefined;
      const decoded = decodeEntry(new Uint8Array(stored.buffer, stored.byteOffset, stored.length));
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
      const value = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      await this.#redis.set(await this.#key(key), value, "PX", Math.ceil(ttlMs));
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

  /**
   * Closes the connection the store made (a client passed as `redis` stays
   * open); operations after it are misses.
   *
   * @returns When the connection is closed.
   */
  close(): Promise<void> {
    // disconnect, not QUIT: QUIT waits for an answer a stalled Redis never sends.
    this.#owned?.disconnect();
    return Promise.resolve();
  }

  /**
   * Closes the store, for `await using`.
   *
   * @returns When the connection is closed.
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
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
    return guardWithin("redis", operation, this.#hooks, fallback, deadline, work);
  }
}
