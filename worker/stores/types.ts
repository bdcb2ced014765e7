/**
 * The interfaces of the gateway's own shared state besides the response
 * cache: signature nonces (each signature is accepted once), the counters of
 * the embedded caller limiter, and short string values (login states,
 * sessions, sealed tokens). One backend per file: `memory.ts` (one process),
 * `deno_kv.ts` (embedded default, shared by the isolates of one Deno Deploy
 * app) and `upstash.ts` (nonces and values: with Upstash,
 * `@upstash/ratelimit` keeps its own counters). Every call a request waits on
 * goes through `deadline.ts`.
 *
 * @module
 */

import type { Clock } from "../../src/clock.ts";

export type { KvAtomic, KvKey, KvLike } from "../../src/limits/budget_deno_kv.ts";

/** How long a store's calls may take: each fails with `StoreTimeoutError` past it. */
export interface StoreDeadlineOptions {
  /**
   * The clock (for entries' expiry too, where the store keeps them itself).
   * @default systemClock
   */
  clock?: Clock;
  /**
   * How long each call may take, in milliseconds; 0 waits for ever.
   * @default 1000
   */
  timeoutMs?: number;
}

/** Where used signatures are remembered. */
export interface NonceStore {
  /** A name for logs and `/readyz`. */
  readonly name: string;
  /**
   * Records a nonce for `ttlMs` unless it is already recorded.
   *
   * @param key The nonce.
   * @param ttlMs How long to remember it.
   * @returns `true` on first use, `false` when it was already there (a replay).
   */
  claim(key: string, ttlMs: number): Promise<boolean>;
  /** Resolves when the store answers; rejects when it does not. */
  ping(): Promise<void>;
}

/**
 * Short string values with an optional lifetime: login states, sessions and
 * the sealed token records (it fits `EncryptedTokenStore`'s backend).
 */
export interface ValueStore {
  /** A name for logs and `/readyz`. */
  readonly name: string;
  /**
   * Reads a value.
   * @param key The key.
   */
  get(key: string): Promise<string | undefined>;
  /**
   * Writes a value.
   * @param key The key.
   * @param value The value.
   * @param ttlMs How long to keep it; for ever when left out.
   */
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  /**
   * Removes a value.
   * @param key The key.
   */
  delete(key: string): Promise<void>;
  /**
   * Reads and removes a value in one atomic step: of concurrent takers, one
   * gets it (single-use values).
   * @param key The key.
   */
  take(key: string): Promise<string | undefined>;
}

/** One hit on a (sliding or fixed) window counter. */
export interface WindowHit {
  /** The key of the current window's counter. */
  current: string;
  /** The key of the previous window's counter, for a sliding window. */
  previous?: string;
  /** How much of the previous window still counts (0 to 1). */
  previousWeight: number;
  /** The requests allowed. */
  limit: number;
  /** How long the current counter lives, in milliseconds. */
  ttlMs: number;
  /**
   * How many requests to count: as many as fit are (a batch of callers
   * waiting on one counter).
   * @default 1
   */
  count?: number;
  /**
   * When all `count` fit: the share (0 to 1) of the room left after them to
   * reserve as well, for the caller to spend without asking the store again
   * (a lease). Reserved requests count as made.
   * @default 0
   */
  lease?: number;
}

/** The outcome of a {@link WindowHit}. */
export interface WindowOutcome {
  /** Whether the hit was counted (under the limit): at least one request of `count`. */
  allowed: boolean;
  /** The weighted count after the hit (before it, when refused). */
  used: number;
  /** How many of `count` were counted. */
  granted: number;
  /** How many more were reserved (`lease`). */
  leased: number;
  /** The current window's counter after the hit. */
  current: number;
  /** The previous window's counter (unweighted). */
  previous: number;
}

/** Where the embedded limiter keeps its counters; each hit is atomic. */
export interface WindowStore {
  /** A name for logs and `/readyz`. */
  readonly name: string;
  /**
   * Counts one request unless the window is full: the check and the
   * increment are one atomic step, as in Upstash's Lua script.
   *
   * @param hit The counters and the limit.
   * @returns Whether it was allowed, and the count.
   */
  hit(hit: WindowHit): Promise<WindowOutcome>;
}
