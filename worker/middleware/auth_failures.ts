/**
 * Failed authentication, limited by address before the next attempt is
 * verified: each refused credential (a 401 from `callerAuth`) counts against
 * the address's `auth_failures` tier; once that is spent, every request from
 * the address answers 429 until the window resets, without a signature
 * check or an RSA verification. Counting goes through the limiter (and its
 * store deadline); a store failure lets the 401 stand uncounted (fail open).
 *
 * @module
 */

import type { Context, MiddlewareHandler } from "hono";
import { type Clock, systemClock } from "../../src/clock.ts";
import { fail, type GatewayEnv, type Logger } from "../context.ts";
import type { GatewayMetrics } from "../metrics.ts";
import type { CallerLimiter } from "../limiter/types.ts";
import { reportStoreFailure } from "../stores/deadline.ts";
import { addressOf, type ClientAddress, remoteAddress } from "./caller_auth.ts";

/** The tier failed authentications are counted in. */
export const AUTH_FAILURES_TIER = "auth_failures";

/** How many refused addresses one instance remembers before it forgets expired ones. */
const MAX_REFUSED = 10_000;

/** Options of {@link authFailureLimit}. */
export interface AuthFailureLimitOptions {
  /** Counts the failures (in the `auth_failures` tier). */
  limiter: CallerLimiter;
  /** The trusted proxy hops (`TRUST_PROXY`). */
  trustProxyHops: number;
  /**
   * The caller's address as the runtime sees it.
   * @default the `remoteAddr` binding Deno's entry passes
   */
  clientAddress?: ClientAddress;
  /** Where store failures are reported. */
  logger: Logger;
  /** Counts the refusals (`gateway_auth_failures_total{reason="throttled"}`). */
  metrics?: GatewayMetrics;
  /**
   * The clock.
   * @default systemClock
   */
  clock?: Clock;
}

/**
 * Refuses addresses that spent their failed-authentication tier, and counts
 * each refused credential. Goes before `callerAuth`.
 *
 * @param options The limiter, the proxy trust, the logger, metrics and clock.
 * @returns The middleware.
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { authFailureLimit } from "./auth_failures.ts";
 * import { embeddedLimiter } from "../limiter/embedded.ts";
 * import { MemoryStore } from "../stores/memory.ts";
 * import { jsonLogger } from "../context.ts";
 * const limiter = embeddedLimiter({
 *   store: new MemoryStore(),
 *   tiers: { auth_failures: { limit: 20, window: "60 s", windowMs: 60_000, algorithm: "sliding" } },
 * });
 * new Hono().use(authFailureLimit({ limiter, trustProxyHops: 0, logger: jsonLogger }));
 * ```
 */
export function authFailureLimit(
  {
    limiter,
    trustProxyHops,
    clientAddress = remoteAddress,
    logger,
    metrics,
    clock = systemClock,
  }: AuthFailureLimitOptions,
): MiddlewareHandler<GatewayEnv> {
  // Addresses refused until a time: checked without asking the store, so a
  // flood of bad credentials costs one map lookup each.
  const refused = new Map<string, number>();

  const addressOfCaller = (c: Context<GatewayEnv>) =>
    addressOf(c, trustProxyHops, clientAddress).id;

  return async function authFailureLimit(c, next) {
    // Nothing to look up (the usual case): no cost on the way to a cache hit.
    const until = refused.size ? refused.get(addressOfCaller(c)) : undefined;
    if (until !== undefined) {
      const address = addressOfCaller(c);
      const wait = until - clock.now();
      if (wait > 0) {
        metrics?.authFailures.inc({ reason: "throttled" });
        c.get("log").limited = "auth_failures";
        return fail(
          c,
          429,
          "Cannot authenticate now: too many failed authentications from this address; retry later",
          { "Retry-After": String(Math.max(1, Math.ceil(wait / 1000))) },
        );
      }
      refused.delete(address);
    }
    await next();
    if (c.get("authFailure") === undefined) return;
    const address = addressOfCaller(c);
    try {
      const result = await limiter.limit(address, AUTH_FAILURES_TIER);
      if (!result.success || result.remaining === 0) {
        if (refused.size >= MAX_REFUSED) forgetExpired(refused, clock.now());
        refused.set(address, result.reset);
      }
    } catch (error) {
      reportStoreFailure("auth_failure", error, { logger, metrics, store: limiter.name });
    }
  };
}

/** Forgets refusals that have ended; if none has, the oldest tenth. */
function forgetExpired(refused: Map<string, number>, now: number): void {
  for (const [address, until] of refused) if (until <= now) refused.delete(address);
  for (const address of refused.keys()) {
    if (refused.size < MAX_REFUSED * 0.9) break;
    refused.delete(address);
  }
}
