/**
 * Limits each caller (API key, else character, else address) by its tier,
 * answering 429 with `Retry-After` when over, and `RateLimit-*` headers
 * always. The limiter's background work goes to `waitUntil` where the
 * runtime has one.
 *
 * @module
 */

import type { Context, MiddlewareHandler } from "hono";
import { type Clock, systemClock } from "../../src/clock.ts";
import { fail, type GatewayEnv, type Logger } from "../context.ts";
import type { GatewayMetrics } from "../metrics.ts";
import { type CallerLimiter, type LimitResult, NO_PENDING } from "../limiter/types.ts";
import { isSecured } from "./secure_headers.ts";
import { reportStoreFailure } from "../stores/deadline.ts";

/** Options of {@link rateLimit}. */
export interface RateLimitOptions {
  /** The limiter. */
  limiter: CallerLimiter;
  /** When the limiter's store fails: let the request through, or refuse it with 503. */
  onStoreError: "open" | "closed";
  /** Where store failures are reported. */
  logger: Logger;
  /** Counts refusals and store failures. */
  metrics?: GatewayMetrics;
  /**
   * The clock `RateLimit-Reset` is counted from.
   * @default systemClock
   */
  clock?: Clock;
}

/**
 * Counts the request against the caller's tier.
 *
 * @param options The limiter, the failure mode, the logger and the clock.
 * @returns The middleware.
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { rateLimit } from "./rate_limit.ts";
 * import { embeddedLimiter } from "../limiter/embedded.ts";
 * import { MemoryStore } from "../stores/memory.ts";
 * import { jsonLogger } from "../context.ts";
 * const limiter = embeddedLimiter({
 *   store: new MemoryStore(),
 *   tiers: { anonymous: { limit: 60, window: "60 s", windowMs: 60_000, algorithm: "sliding" } },
 * });
 * new Hono().use(rateLimit({ limiter, onStoreError: "open", logger: jsonLogger }));
 * ```
 */
export function rateLimit(
  { limiter, onStoreError, logger, metrics, clock = systemClock }: RateLimitOptions,
): MiddlewareHandler<GatewayEnv> {
  return async function rateLimit(c, next) {
    const caller = c.get("caller");
    let result: LimitResult | undefined;
    try {
      result = await limiter.limit(caller.id, caller.tier);
      if (result.pending !== NO_PENDING) waitUntil(c, result.pending);
      if (result.reason === "timeout") throw new Error("the limiter's store timed out");
    } catch (error) {
      reportStoreFailure("limit", error, { logger, metrics, store: limiter.name });
      c.get("log").limiter = `failed-${onStoreError}`;
      if (onStoreError === "closed") {
        return fail(c, 503, "Cannot admit the request now: the rate limiter is unavailable", {
          "Retry-After": "1",
        });
      }
      return await next();
    }
    const headers = rateLimitHeaders(result, clock.now());
    const resetSeconds = Number(headers["RateLimit-Reset"]);
    if (!result.success) {
      c.get("log").limited = true;
      metrics?.rateLimited.inc({ tier: caller.tier });
      return fail(
        c,
        429,
        `Cannot admit the request: the limit of ${result.limit} requests per window is reached; retry in ${resetSeconds} s`,
        { ...headers, "Retry-After": String(Math.max(1, resetSeconds)) },
      );
    }
    // Set on the answer once there is one (not with `c.header`, which costs
    // every answer a second Headers); a prepared answer has them already.
    c.set("rateLimitHeaders", headers);
    await next();
    if (isSecured(c.res)) return;
    const answer = c.res.headers;
    for (const name in headers) answer.set(name, headers[name]);
  };
}

/**
 * The `RateLimit-*` headers of a caller's count.
 *
 * @param result The limiter's answer.
 * @param now The time now (epoch milliseconds).
 * @returns `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (seconds).
 * @example
 * ```ts
 * import { rateLimitHeaders } from "./rate_limit.ts";
 * import { NO_PENDING } from "../limiter/types.ts";
 * const result = { success: true, limit: 60, remaining: 59, reset: 60_000, pending: NO_PENDING };
 * rateLimitHeaders(result, 0)["RateLimit-Reset"]; // "60"
 * ```
 */
export function rateLimitHeaders(result: LimitResult, now: number): Record<string, string> {
  return {
    "RateLimit-Limit": String(result.limit),
    "RateLimit-Remaining": String(result.remaining),
    "RateLimit-Reset": String(Math.max(0, Math.ceil((result.reset - now) / 1000))),
  };
}

/** Hands work to the runtime's `waitUntil` (Workers); elsewhere lets it run, errors swallowed. */
function waitUntil(c: Context<GatewayEnv>, pending: Promise<unknown>): void {
  const settled = pending.catch(() => {});
  try {
    c.executionCtx.waitUntil(settled);
  } catch {
    // No ExecutionContext (Deno, tests): the promise runs on its own.
  }
}
