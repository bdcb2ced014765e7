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
  /**
   * The addresses refused now: shared with the hit lane, which must not
   * answer an address this middleware would refuse.
   * @default a new, empty set
   */
  refused?: RefusedAddresses;
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
    refused = new RefusedAddresses(),
    logger,
    metrics,
    clock = systemClock,
  }: AuthFailureLimitOptions,
): MiddlewareHandler<GatewayEnv> {
  const addressOfCaller = (c: Context<GatewayEnv>) =>
    addressOf(c.req.raw, c.env, trustProxyHops, clientAddress).id;

  return async function authFailureLimit(c, next) {
    // Nothing to look up (the usual case): no cost on the way to a cache hit.
    const wait = refused.size ? refused.waitFor(addressOfCaller(c), clock.now()) : 0;
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
    await next();
    if (c.get("authFailure") === undefined) return;
    const address = addressOfCaller(c);
    try {
      const result = await limiter.limit(address, AUTH_FAILURES_TIER);
      if (!result.success || result.remaining === 0) refused.refuse(address, result.reset, clock);
    } catch (error) {
      reportStoreFailure("auth_failure", error, { logger, metrics, store: limiter.name });
    }
  };
}

/**
 * Addresses refused until a time, checked without asking the store, so a
 * flood of bad credentials costs one map lookup each. Bounded: past 10,000
 * addresses the expired go first, then the oldest.
 *
 * @example
 * ```ts
 * import { RefusedAddresses } from "./auth_failures.ts";
 * import { systemClock } from "../../src/clock.ts";
 * const refused = new RefusedAddresses();
 * refused.refuse("ip:203.0.113.7", Date.now() + 60_000, systemClock);
 * refused.waitFor("ip:203.0.113.7", Date.now()) > 0; // true
 * ```
 */
export class RefusedAddresses {
  readonly #until = new Map<string, number>();

  /** How many addresses are remembered (0: nobody is refused). */
  get size(): number {
    return this.#until.size;
  }

  /**
   * How long the address is still refused.
   *
   * @param address The caller's id (`ip:<address>`).
   * @param now The time now.
   * @returns The milliseconds left, or 0 when it is not refused.
   */
  waitFor(address: string, now: number): number {
    const until = this.#until.get(address);
    if (until === undefined) return 0;
    if (until > now) return until - now;
    this.#until.delete(address);
    return 0;
  }

  /**
   * Refuses the address until a time.
   *
   * @param address The caller's id.
   * @param until When the refusal ends (epoch milliseconds).
   * @param clock The clock, to forget ended refusals when full.
   */
  refuse(address: string, until: number, clock: Clock): void {
    if (this.#until.size >= MAX_REFUSED) forgetExpired(this.#until, clock.now());
    this.#until.set(address, until);
  }
}

/** Forgets refusals that have ended; if none has, the oldest tenth. */
function forgetExpired(refused: Map<string, number>, now: number): void {
  for (const [address, until] of refused) if (until <= now) refused.delete(address);
  for (const address of refused.keys()) {
    if (refused.size < MAX_REFUSED * 0.9) break;
    refused.delete(address);
  }
}
