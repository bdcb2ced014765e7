/**
 * Nonces and values in Upstash Redis (with Upstash, `@upstash/ratelimit`
 * keeps the limiter's counters itself).
 *
 * @module
 */

import type { Redis } from "@upstash/redis";
import { type Bounded, bounded } from "./deadline.ts";
import type { NonceStore, StoreDeadlineOptions, ValueStore } from "./types.ts";

/** Options of {@link UpstashNonceStore}. */
export interface UpstashNonceStoreOptions extends StoreDeadlineOptions {
  /** The `@upstash/redis` client. */
  redis: Pick<Redis, "set" | "ping">;
  /**
   * The first part of every key.
   * @default "esikit-gateway"
   */
  prefix?: string;
}

/**
 * Nonces in Upstash Redis (`SET key 1 NX PX ttl`).
 *
 * @example
 * ```ts ignore
 * import { Redis } from "@upstash/redis";
 * import { UpstashNonceStore } from "./upstash.ts";
 * const store = new UpstashNonceStore({ redis: new Redis({ url: "https://…", token: "…" }) });
 * ```
 */
export class UpstashNonceStore implements NonceStore {
  readonly name = "upstash";
  readonly #redis: Pick<Redis, "set" | "ping">;
  readonly #prefix: string;
  readonly #within: Bounded;

  /** @param options The Redis client, the key prefix and each call's deadline. */
  constructor(options: UpstashNonceStoreOptions) {
    this.#redis = options.redis;
    this.#prefix = options.prefix ?? "esikit-gateway";
    this.#within = bounded(options);
  }

  async claim(key: string, ttlMs: number): Promise<boolean> {
    const set = this.#redis.set(`${this.#prefix}:nonce:${key}`, 1, { nx: true, px: ttlMs });
    return await this.#within(set, "check a signature for replay") === "OK";
  }

  async ping(): Promise<void> {
    await this.#within(this.#redis.ping(), "ping the store");
  }
}

/** The part of `@upstash/redis` the value store uses. */
export type UpstashValueRedis = Pick<Redis, "get" | "set" | "del" | "getdel">;

/** Options of {@link UpstashValueStore}. */
export interface UpstashValueStoreOptions extends StoreDeadlineOptions {
  /**
   * The `@upstash/redis` client, made with `automaticDeserialization: false`
   * (values are strings and must come back as such).
   */
  redis: UpstashValueRedis;
  /**
   * The first part of every key.
   * @default "esikit-gateway"
   */
  prefix?: string;
}

/**
 * Values in Upstash Redis: `SET … PX`, `GET`, `DEL`, and `GETDEL` for
 * single-use values.
 *
 * @example
 * ```ts ignore
 * import { Redis } from "@upstash/redis";
 * import { UpstashValueStore } from "./upstash.ts";
 * const redis = new Redis({ url: "https://…", token: "…", automaticDeserialization: false });
 * const store = new UpstashValueStore({ redis });
 * ```
 */
export class UpstashValueStore implements ValueStore {
  readonly name = "upstash";
  readonly #redis: UpstashValueRedis;
  readonly #prefix: string;
  readonly #within: Bounded;

  /** @param options The Redis client, the key prefix and each call's deadline. */
  constructor(options: UpstashValueStoreOptions) {
    this.#redis = options.redis;
    this.#prefix = options.prefix ?? "esikit-gateway";
    this.#within = bounded(options);
  }

  async get(key: string): Promise<string | undefined> {
    const value = this.#redis.get(`${this.#prefix}:value:${key}`);
    return asString(await this.#within(value, "read a value"));
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    const k = `${this.#prefix}:value:${key}`;
    const set = ttlMs === undefined
      ? this.#redis.set(k, value)
      : this.#redis.set(k, value, { px: Math.max(1, Math.ceil(ttlMs)) });
    await this.#within(set, "write a value");
  }

  async delete(key: string): Promise<void> {
    await this.#within(this.#redis.del(`${this.#prefix}:value:${key}`), "delete a value");
  }

  async take(key: string): Promise<string | undefined> {
    const value = this.#redis.getdel(`${this.#prefix}:value:${key}`);
    return asString(await this.#within(value, "take a value"));
  }
}

function asString(value: unknown): string | undefined {
  return value === null || value === undefined ? undefined : String(value);
}
