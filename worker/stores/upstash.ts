/**
 * Nonces and values in Upstash Redis (with Upstash, `@upstash/ratelimit`
 * keeps the limiter's counters itself).
 *
 * @module
 */

import type { Redis } from "@upstash/redis";
import type { NonceStore, ValueStore } from "./types.ts";

/** Options of {@link UpstashNonceStore}. */
export interface UpstashNonceStoreOptions {
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

  /** @param options The Redis client and the key prefix. */
  constructor({ redis, prefix = "esikit-gateway" }: UpstashNonceStoreOptions) {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  async claim(key: string, ttlMs: number): Promise<boolean> {
    const set = await this.#redis.set(`${this.#prefix}:nonce:${key}`, 1, { nx: true, px: ttlMs });
    return set === "OK";
  }

  async ping(): Promise<void> {
    await this.#redis.ping();
  }
}

/** The part of `@upstash/redis` the value store uses. */
export type UpstashValueRedis = Pick<Redis, "get" | "set" | "del" | "getdel">;

/** Options of {@link UpstashValueStore}. */
export interface UpstashValueStoreOptions {
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

  /** @param options The Redis client and the key prefix. */
  constructor({ redis, prefix = "esikit-gateway" }: UpstashValueStoreOptions) {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  async get(key: string): Promise<string | undefined> {
    return asString(await this.#redis.get(`${this.#prefix}:value:${key}`));
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    const k = `${this.#prefix}:value:${key}`;
    if (ttlMs === undefined) await this.#redis.set(k, value);
    else await this.#redis.set(k, value, { px: Math.max(1, Math.ceil(ttlMs)) });
  }

  async delete(key: string): Promise<void> {
    await this.#redis.del(`${this.#prefix}:value:${key}`);
  }

  async take(key: string): Promise<string | undefined> {
    return asString(await this.#redis.getdel(`${this.#prefix}:value:${key}`));
  }
}

function asString(value: unknown): string | undefined {
  return value === null || value === undefined ? undefined : String(value);
}
