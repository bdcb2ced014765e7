/**
 * ESI's refusals, remembered: a 404 for an unknown id (or a 400, 403, 422)
 * asked again would be answered the same and spend the error budget again.
 * Each is kept for its `Expires`, or a minute (ESI's error window) without
 * one, and answered with a new `Response` each time.
 *
 * @module
 */

import { type Clock, systemClock } from "../../src/clock.ts";

/** The statuses that say the same request will be refused again. */
const REMEMBERED: ReadonlySet<number> = new Set([400, 403, 404, 410, 422]);

/** Options of {@link NegativeCache}. */
export interface NegativeCacheOptions {
  /**
   * How long a refusal without `Expires` is kept, in milliseconds.
   * @default 60000
   */
  defaultTtlMs?: number;
  /**
   * The longest a refusal is kept, whatever its `Expires`.
   * @default 3600000
   */
  maxTtlMs?: number;
  /**
   * The most refusals kept (oldest forgotten first).
   * @default 10000
   */
  maxEntries?: number;
  /**
   * The clock freshness is judged by.
   * @default systemClock
   */
  clock?: Clock;
}

/** A remembered refusal. */
export interface Refusal {
  /** ESI's status. */
  status: number;
  /** ESI's body. */
  body: string;
  /** The headers answered with. */
  headers: Record<string, string>;
  /** When it is forgotten (epoch ms). */
  expiresAt: number;
}

/**
 * Remembered refusals by request key.
 *
 * @example
 * ```ts
 * import { NegativeCache } from "./negative_cache.ts";
 * const refusals = new NegativeCache();
 * refusals.remember("/universe/types/0|en", 404, '{"error":"Type not found!"}', {});
 * refusals.lookup("/universe/types/0|en")?.status; // 404
 * ```
 */
export class NegativeCache {
  readonly #entries = new Map<string, Refusal>();
  readonly #defaultTtlMs: number;
  readonly #maxTtlMs: number;
  readonly #maxEntries: number;
  readonly #clock: Clock;

  /**
   * Creates the cache.
   *
   * @param options Lifetimes, bound and clock.
   */
  constructor(options: NegativeCacheOptions = {}) {
    this.#defaultTtlMs = options.defaultTtlMs ?? 60_000;
    this.#maxTtlMs = options.maxTtlMs ?? 3_600_000;
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#clock = options.clock ?? systemClock;
  }

  /**
   * The refusal remembered for this request, while it holds.
   *
   * @param key The request's key.
   * @returns The refusal, or `undefined`.
   */
  lookup(key: string): Refusal | undefined {
    const found = this.#entries.get(key);
    if (!found) return undefined;
    if (this.#clock.now() < found.expiresAt) return found;
    this.#entries.delete(key);
    return undefined;
  }

  /**
   * Remembers ESI's refusal of a request, when its status says it would be refused again.
   *
   * @param key The request's key.
   * @param status ESI's status.
   * @param body ESI's body.
   * @param headers The headers to answer with (`expires` sets the lifetime).
   * @returns Whether it was remembered.
   */
  remember(key: string, status: number, body: string, headers: Record<string, string>): boolean {
    if (!REMEMBERED.has(status)) return false;
    const now = this.#clock.now();
    const expires = headers["expires"] ? Date.parse(headers["expires"]) : NaN;
    const ttl = Number.isFinite(expires) && expires > now
      ? Math.min(expires - now, this.#maxTtlMs)
      : this.#defaultTtlMs;
    this.#entries.delete(key);
    for (const [old] of this.#entries) {
      if (this.#entries.size < this.#maxEntries) break;
      this.#entries.delete(old);
    }
    this.#entries.set(key, { status, body, headers, expiresAt: now + ttl });
    return true;
  }
}
