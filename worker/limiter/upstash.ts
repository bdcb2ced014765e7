/**
 * The limiter on Upstash: `@upstash/ratelimit`, one `Ratelimit` per tier.
 *
 * @module
 */

import { Ratelimit } from "@upstash/ratelimit";
import type { Redis } from "@upstash/redis";
import type { TierLimit } from "../config.ts";
import { type CallerLimiter, type LimitResult, tierOf } from "./types.ts";

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
 * import { upstashLimiter } from "./upstash.ts";
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
