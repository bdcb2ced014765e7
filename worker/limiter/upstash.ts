/**
 * The limiter on Upstash: `@upstash/ratelimit`, one `Ratelimit` per tier.
 *
 * @module
 */

import { Ratelimit } from "@upstash/ratelimit";
import type { Redis } from "@upstash/redis";
import { type Clock, systemClock } from "../../src/clock.ts";
import type { TierLimit } from "../config.ts";
import { STORE_TIMEOUT_MS, withDeadline } from "../stores/deadline.ts";
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
   * How long a request waits for Redis before the limiter fails (and the
   * middleware fails open or closed, as for any store failure); 0 waits for
   * ever. The gateway's one store deadline, on `clock`, stands in for
   * `@upstash/ratelimit`'s own timeout (which would let the request through).
   * @default 1000
   */
  timeoutMs?: number;
  /**
   * The clock the deadline is counted on.
   * @default systemClock
   */
  clock?: Clock;
}

/**
 * A limiter on `@upstash/ratelimit`: one `Ratelimit` per tier, created once
 * so that its ephemeral cache of blocked callers lives as long as the isolate.
 *
 * @param options The Redis client, tiers, key prefix, timeout and clock.
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
  {
    redis,
    tiers,
    prefix = "esikit-ratelimit",
    timeoutMs = STORE_TIMEOUT_MS,
    clock = systemClock,
  }: UpstashLimiterOptions,
): CallerLimiter {
  const deadline = { ms: timeoutMs, clock };
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
        timeout: 0, // the deadline below instead
        analytics: false,
        enableTelemetry: false,
      }),
    );
  }
  return {
    name: "upstash",
    limit(identifier: string, tierName: string): Promise<LimitResult> {
      tierOf(tiers, tierName);
      return withDeadline(limiters.get(tierName)!.limit(identifier), "count a request", deadline);
    },
  };
}
