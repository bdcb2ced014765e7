/**
 * What the rate-limit middleware asks of a limiter, in `@upstash/ratelimit`'s
 * shape: the embedded limiter and the Upstash one answer alike.
 *
 * @module
 */

import type { TierLimit } from "../config.ts";

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
  /**
   * Admits a request at once when this instance can without a store round
   * trip (room it holds already), else `undefined`: the caller then asks
   * `limit`. Never refuses; a limiter without local room leaves it out.
   *
   * @param identifier The caller's id.
   * @param tier The caller's tier.
   * @returns The admission, or `undefined` when only `limit` can decide.
   */
  admitNow?(identifier: string, tier: string): LimitResult | undefined;
}

/**
 * A configured tier by name.
 *
 * @param tiers The tiers.
 * @param name The tier's name.
 * @returns The tier.
 * @throws {Error} When no tier has that name.
 * @example
 * ```ts
 * import { tierOf } from "./types.ts";
 * tierOf({ t: { limit: 1, window: "1 s", windowMs: 1_000, algorithm: "fixed" } }, "t").limit; // 1
 * ```
 */
export function tierOf(tiers: Readonly<Record<string, TierLimit>>, name: string): TierLimit {
  const tier = Object.hasOwn(tiers, name) ? tiers[name] : undefined;
  if (!tier) throw new Error(`Cannot limit a caller: tier "${name}" is not configured`);
  return tier;
}
