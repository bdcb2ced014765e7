/**
 * The retry policy, as data, and the decisions drawn from it.
 *
 * @module
 */

/**
 * When and how a failed try is tried again. 4xx are never retried (429 is the
 * rate limiter's business); only idempotent methods are, unless `methods`
 * says otherwise.
 */
export interface RetryPolicy {
  /**
   * How many retries after the first try.
   * @default 3
   */
  limit: number;
  /**
   * The statuses worth another try: ESI's transient ones.
   * @default [502, 503, 504]
   */
  statuses: readonly number[];
  /**
   * The methods that may be retried.
   * @default ["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]
   */
  methods: readonly string[];
  /**
   * Retry after a network failure (refused, reset, dropped mid-body).
   * @default true
   */
  networkErrors: boolean;
  /**
   * Retry after a try timed out.
   * @default true
   */
  timeouts: boolean;
  /**
   * The first backoff ceiling, in milliseconds; each retry doubles it.
   * @default 500
   */
  backoffMs: number;
  /**
   * The largest backoff, in milliseconds.
   * @default 30000
   */
  maxBackoffMs: number;
  /**
   * The longest `Retry-After` worth waiting for; longer, and the call fails
   * instead of waiting.
   * @default 60000
   */
  maxRetryAfterMs: number;
  /**
   * The random source for the jitter, in [0, 1).
   * @default Math.random
   */
  random: () => number;
}

/**
 * The default retry policy.
 *
 * @example
 * ```ts
 * import { defaultRetryPolicy } from "./retry.ts";
 * defaultRetryPolicy.statuses; // [502, 503, 504]
 * ```
 */
export const defaultRetryPolicy: Readonly<RetryPolicy> = Object.freeze({
  limit: 3,
  statuses: Object.freeze([502, 503, 504]),
  methods: Object.freeze(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]),
  networkErrors: true,
  timeouts: true,
  backoffMs: 500,
  maxBackoffMs: 30_000,
  maxRetryAfterMs: 60_000,
  random: Math.random,
});

/**
 * Completes a partial policy with the defaults; a number is a retry limit.
 *
 * @param retry The caller's policy, a limit, or nothing.
 * @param base The policy to complete from.
 * @returns A whole policy.
 * @example
 * ```ts
 * import { resolveRetryPolicy } from "./retry.ts";
 * resolveRetryPolicy(0).limit; // 0
 * ```
 */
export function resolveRetryPolicy(
  retry: Partial<RetryPolicy> | number | undefined,
  base: Readonly<RetryPolicy> = defaultRetryPolicy,
): Readonly<RetryPolicy> {
  if (retry === undefined) return base;
  if (typeof retry === "number") return { ...base, limit: retry };
  return { ...base, ...retry };
}

/**
 * The backoff before retry number `retry` (1-based): exponential with full
 * jitter and a cap, so that many clients retrying at once spread out.
 *
 * @param policy The retry policy.
 * @param retry Which retry this is, from 1.
 * @returns The wait in milliseconds.
 * @example
 * ```ts
 * import { backoffDelay, resolveRetryPolicy } from "./retry.ts";
 * backoffDelay(resolveRetryPolicy({ random: () => 0.5 }), 1); // 250
 * ```
 */
export function backoffDelay(policy: Readonly<RetryPolicy>, retry: number): number {
  const ceiling = Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** (retry - 1));
  return Math.floor(policy.random() * ceiling);
}

/**
 * Reads a `Retry-After` header, in seconds or as an HTTP date.
 *
 * @param value The header value.
 * @param now The current time, in epoch milliseconds.
 * @returns The wait in milliseconds, or `undefined` when absent or unreadable.
 * @example
 * ```ts
 * import { parseRetryAfter } from "./retry.ts";
 * parseRetryAfter("2", 0); // 2000
 * ```
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
