/**
 * The simulator's bookkeeping of ESI's two limits: the error limit (a fixed
 * window per source, counting every 4xx/5xx) and the route-group rate limits
 * (a floating window per group and identity, charged by status class).
 *
 * Written apart from the client's own limits code on purpose: the simulator
 * is the oracle the client is tested against, so it must not share its bugs.
 *
 * @module
 */

/** Tokens an answer costs: 2xx 2, 3xx 1, 4xx 5 (429 excepted), 5xx 0. */
export function simTokenCost(status: number): number {
  if (status >= 200 && status < 300) return 2;
  if (status >= 300 && status < 400) return 1;
  if (status >= 400 && status < 500 && status !== 429) return 5;
  return 0;
}

/** ESI's error budget: `limit` errors per fixed window, windows aligned to the epoch. */
export class ErrorWindow {
  #limit: number;
  #windowMs: number;
  #start = -Infinity;
  #errors = 0;

  /**
   * @param limit Errors allowed per window.
   * @param windowMs The window's length.
   */
  constructor(limit: number, windowMs: number) {
    this.#limit = limit;
    this.#windowMs = windowMs;
  }

  /** Whether the budget is spent, so that every route answers 420. */
  spent(now: number): boolean {
    this.#roll(now);
    return this.#errors >= this.#limit;
  }

  /** Counts one 4xx/5xx answer. */
  count(now: number): void {
    this.#roll(now);
    this.#errors++;
  }

  /** Errors left in the window (never below 0). */
  remain(now: number): number {
    this.#roll(now);
    return Math.max(0, this.#limit - this.#errors);
  }

  /** Whole seconds until the window ends, as `X-ESI-Error-Limit-Reset` says it. */
  resetSeconds(now: number): number {
    this.#roll(now);
    return Math.ceil((this.#start + this.#windowMs - now) / 1000);
  }

  #roll(now: number): void {
    if (now < this.#start + this.#windowMs) return;
    this.#start = now - (now % this.#windowMs);
    this.#errors = 0;
  }
}

/**
 * A rate-limit group's size.
 *
 * @example
 * ```ts
 * import type { EsiSimGroupSize } from "@esikit/esi/testing";
 * const small: EsiSimGroupSize = { maxTokens: 150, windowMs: 900_000 };
 * ```
 */
export interface EsiSimGroupSize {
  /** Tokens per window. */
  maxTokens: number;
  /** The floating window, in milliseconds. */
  windowMs: number;
}

/** One bucket's state, as the headers report it. */
export interface BucketState {
  /** Tokens spent in the current window. */
  used: number;
  /** Tokens left. */
  remaining: number;
}

class Bucket {
  // Spends in time order; `head` skips the ones that left the window.
  #at: number[] = [];
  #cost: number[] = [];
  #head = 0;
  #used = 0;

  used(now: number, windowMs: number): number {
    const from = now - windowMs;
    while (this.#head < this.#at.length && this.#at[this.#head] <= from) {
      this.#used -= this.#cost[this.#head++];
    }
    if (this.#head > 1024 && this.#head * 2 > this.#at.length) {
      this.#at = this.#at.slice(this.#head);
      this.#cost = this.#cost.slice(this.#head);
      this.#head = 0;
    }
    return this.#used;
  }

  spend(now: number, cost: number): void {
    if (cost <= 0) return;
    this.#at.push(now);
    this.#cost.push(cost);
    this.#used += cost;
  }

  // Milliseconds until enough spends leave the window to free `needed` tokens.
  waitFor(now: number, windowMs: number, needed: number): number {
    let freed = 0;
    for (let i = this.#head; i < this.#at.length; i++) {
      freed += this.#cost[i];
      if (freed >= needed) return this.#at[i] + windowMs - now;
    }
    return windowMs;
  }
}

/** Every (group, identity) bucket of one simulator. */
export class GroupBuckets {
  #buckets = new Map<string, Bucket>();

  /**
   * Charges a call's cost, or refuses it when the cost would overdraw.
   *
   * @param group The group's name.
   * @param size The group's size.
   * @param identity `"ip"` or the character id.
   * @param cost The answer's cost in tokens.
   * @param now The time.
   * @returns The bucket after the charge, or the seconds to wait before retrying.
   */
  charge(
    group: string,
    size: EsiSimGroupSize,
    identity: string,
    cost: number,
    now: number,
  ): BucketState | { retryAfter: number } {
    const bucket = this.#bucket(group, identity);
    const used = bucket.used(now, size.windowMs);
    if (cost > 0 && used + cost > size.maxTokens) {
      const waitMs = bucket.waitFor(now, size.windowMs, used + cost - size.maxTokens);
      return { retryAfter: Math.max(1, Math.ceil(waitMs / 1000)) };
    }
    bucket.spend(now, cost);
    return { used: used + cost, remaining: size.maxTokens - used - cost };
  }

  /**
   * A bucket's state without charging it.
   *
   * @param group The group's name.
   * @param size The group's size.
   * @param identity `"ip"` or the character id.
   * @param now The time.
   * @returns Tokens used and left.
   */
  peek(group: string, size: EsiSimGroupSize, identity: string, now: number): BucketState {
    const used = this.#bucket(group, identity).used(now, size.windowMs);
    return { used, remaining: size.maxTokens - used };
  }

  #bucket(group: string, identity: string): Bucket {
    const key = `${group}\u0000${identity}`;
    let bucket = this.#buckets.get(key);
    if (!bucket) this.#buckets.set(key, bucket = new Bucket());
    return bucket;
  }
}

/**
 * Writes a window as ESI does in `X-Ratelimit-Limit`: `"150/15m"`.
 *
 * @param size The group's size.
 * @returns The header value.
 */
export function formatLimit(size: EsiSimGroupSize): string {
  const { maxTokens, windowMs } = size;
  if (windowMs % 3_600_000 === 0) return `${maxTokens}/${windowMs / 3_600_000}h`;
  if (windowMs % 60_000 === 0) return `${maxTokens}/${windowMs / 60_000}m`;
  return `${maxTokens}/${Math.ceil(windowMs / 1000)}s`;
}
