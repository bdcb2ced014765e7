/**
 * Limiting the gateway's own callers. With Upstash, `@upstash/ratelimit`
 * does it; without, the embedded limiter runs the same algorithms (Upstash's
 * weighted sliding window, or a fixed window) over memory or Deno KV and
 * answers in the same shape, so the middleware cannot tell them apart.
 *
 * @module
 */

import { Ratelimit } from "@upstash/ratelimit";
import type { Redis } from "@upstash/redis";
import { type Clock, systemClock } from "../src/clock.ts";
import type { TierLimit } from "./config.ts";
import type { WindowStore } from "./stores.ts";

/** A limit decision, in `@upstash/ratelimit`'s shape. */
export interface LimitResult {
  /** Whether the request may pass. */
  success: boolean;
  /** The requests allowed per window. */
  limit: number;
  /** The requests left in the window. */
  remaining: number;
  /** When the window resets, in epoch milliseconds. */
  reset: number;
  /** Background work to hand to `waitUntil` where the runtime has it. */
  pending: Promise<unknown>;
  /** Set when the decision was not made by the store (`"timeout"`: the store was too slow). */
  reason?: string;
}

/**
 * The `pending` of a decision with no background work: the middleware skips
 * handing it to `waitUntil`.
 */
export const NO_PENDING: Promise<unknown> = Promise.resolve();

/** Decides whether a caller may make one more request. */
export interface CallerLimiter {
  /** A name for logs and `/readyz`. */
  readonly name: string;
  /**
   * Counts one request of a caller against its tier.
   *
   * @param identifier Who: `key:<id>`, `char:<id>` or `ip:<address>`.
   * @param tier The tier's name.
   * @returns The decision.
   * @throws When the store fails (the middleware fails open or closed, as configured).
   */
  limit(identifier: string, tier: string): Promise<LimitResult>;
}

/** Options of {@link embeddedLimiter}. */
export interface EmbeddedLimiterOptions {
  /** Where the counters live. */
  store: WindowStore;
  /** The tiers by name. */
  tiers: Readonly<Record<string, TierLimit>>;
  /**
   * The clock.
   * @default systemClock
   */
  clock?: Clock;
  /**
   * The first part of every key.
   * @default "esikit-ratelimit"
   */
  prefix?: string;
}

/**
 * A limiter over an embedded store, with `@upstash/ratelimit`'s algorithms:
 * the sliding window weighs the previous fixed window's count by how much of
 * it still overlaps the sliding one.
 *
 * @param options The store, tiers, clock and key prefix.
 * @returns The limiter.
 * @example
 * ```ts
 * import { embeddedLimiter } from "./limiter.ts";
 * import { MemoryStore } from "./stores.ts";
 * const limiter = embeddedLimiter({
 *   store: new MemoryStore(),
 *   tiers: { anonymous: { limit: 2, window: "60 s", windowMs: 60_000, algorithm: "sliding" } },
 * });
 * (await limiter.limit("ip:127.0.0.1", "anonymous")).remaining; // 1
 * ```
 */
export function embeddedLimiter(
  { store, tiers, clock = systemClock, prefix = "esikit-ratelimit" }: EmbeddedLimiterOptions,
): CallerLimiter {
  return {
    name: `embedded (${store.name})`,
    async limit(identifier: string, tierName: string): Promise<LimitResult> {
      const tier = tierOf(tiers, tierName);
      const now = clock.now();
      const windowMs = tier.windowMs;
      const window = Math.floor(now / windowMs);
      const base = `${prefix}:${tierName}:${identifier}`;
      const sliding = tier.algorithm === "sliding";
      const outcome = await store.hit({
        current: `${base}:${window}`,
        previous: sliding ? `${base}:${window - 1}` : undefined,
        previousWeight: sliding ? 1 - (now % windowMs) / windowMs : 0,
        limit: tier.limit,
        // Long enough to be the previous window of the next one, as Upstash's script.
        ttlMs: sliding ? windowMs * 2 + 1_000 : windowMs,
      });
      return {
        success: outcome.allowed,
        limit: tier.limit,
        remaining: outcome.allowed ? Math.max(0, tier.limit - outcome.used) : 0,
        reset: (window + 1) * windowMs,
        pending: NO_PENDING,
      };
    },
  };
}

/** Options of {@link upstashLimiter}. */
export interface UpstashLimiterOptions {
  /** The `@upstash/redis` client. */
  redis: Redis;
  /** The tiers by name. */
  tiers: Readonly<Record<string, TierLimit>>;
  /**
   * The first part of every key.
   * @default "esikit-ratelimit"
   */
  prefix?: string;
  /**
   * After this many milliseconds without an answer from Redis, `@upstash/ratelimit`
   * lets the request through with `reason: "timeout"`; 0 waits for ever.
   * @default 1000
   */
  timeoutMs?: number;
}

/**
 * A limiter on `@upstash/ratelimit`: one `Ratelimit` per tier, created once
 * so that its ephemeral cache of blocked callers lives as long as the isolate.
 *
 * @param options The Redis client, tiers, key prefix and timeout.
 * @returns The limiter.
 * @example
 * ```ts ignore
 * import { Redis } from "@upstash/redis";
 * import { upstashLimiter } from "./limiter.ts";
 * const limiter = upstashLimiter({
 *   redis: new Redis({ url: "https://…", token: "…" }),
 *   tiers: { anonymous: { limit: 60, window: "60 s", windowMs: 60_000, algorithm: "sliding" } },
 * });
 * ```
 */
export function upstashLimiter(
  { redis, tiers, prefix = "esikit-ratelimit", timeoutMs = 1_000 }: UpstashLimiterOptions,
): CallerLimiter {
  const limiters = new Map<string, Ratelimit>();
  for (const [name, tier] of Object.entries(tiers)) {
    limiters.set(
      name,
      new Ratelimit({
        redis,
        limiter: tier.algorithm === "fixed"
          ? Ratelimit.fixedWindow(tier.limit, tier.window)
          : Ratelimit.slidingWindow(tier.limit, tier.window),
        prefix: `${prefix}:${name}`,
        ephemeralCache: new Map(),
        timeout: timeoutMs,
        analytics: false,
        enableTelemetry: false,
      }),
    );
  }
  return {
    name: "upstash",
    limit(identifier: string, tierName: string): Promise<LimitResult> {
      tierOf(tiers, tierName);
      return limiters.get(tierName)!.limit(identifier);
    },
  };
}

function tierOf(tiers: Readonly<Record<string, TierLimit>>, name: string): TierLimit {
  const tier = Object.hasOwn(tiers, name) ? tiers[name] : undefined;
  if (!tier) throw new Error(`Cannot limit a caller: tier "${name}" is not configured`);
  return tier;
}
