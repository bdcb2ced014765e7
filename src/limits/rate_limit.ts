/**
 * ESI's route-group rate limits (2025+): a floating window per (group,
 * identity), where each answer costs tokens by its status class. A bucket
 * reserves a call's tokens before it is sent, so that concurrent calls never
 * overdraw it, and settles them when the answer says what the call cost.
 *
 * @module
 */

/** A rate-limit group's size, as the spec's `x-rate-limit` or ESI's headers give it. */
export interface BucketSize {
  /** Tokens per window. */
  maxTokens: number;
  /** The window, in milliseconds. */
  windowMs: number;
}

/**
 * Refuses a ceiling the application set that is smaller than one call's
 * reservation: a bucket of that size could never admit anything.
 *
 * @param name The setting, for the message.
 * @param count Tokens (or requests) per window.
 * @param windowMs The window, in milliseconds.
 * @param least The least `count` that admits a call.
 * @param given The setting as given, quoted in the message.
 * @throws {RangeError} Naming the setting and its value.
 * @example
 * ```ts
 * import { ceiling } from "./rate_limit.ts";
 * ceiling("limits.throttle", 10, 1_000, 1, { rate: 10, intervalMs: 1_000 });
 * ```
 */
export function ceiling(
  name: string,
  count: number,
  windowMs: number,
  least: number,
  given: object,
): void {
  if (Number.isInteger(count) && count >= least && windowMs > 0) return;
  throw new RangeError(
    `Cannot use ${name}: it must allow at least ${least} in a window of positive length, got ${
      JSON.stringify(given)
    }`,
  );
}

/** Tokens reserved for a call before its answer says what it cost: a 2xx's. */
export const reservedCost = 2;

/**
 * What an answer costs in tokens: 2xx 2, 3xx 1, 4xx 5 (429 excepted), 5xx 0.
 *
 * @param status The HTTP status.
 * @returns The cost in tokens.
 * @example
 * ```ts
 * import { tokenCost } from "./rate_limit.ts";
 * tokenCost(304); // 1
 * ```
 */
export function tokenCost(status: number): number {
  if (status === 429 || status >= 500 || status < 200) return 0;
  if (status < 300) return 2;
  if (status < 400) return 1;
  return 5;
}

/**
 * Reads ESI's `X-Ratelimit-Limit` form, `"150/15m"`.
 *
 * @param value The header value.
 * @returns The size, or `undefined` when unreadable.
 * @example
 * ```ts
 * import { parseRateLimit } from "./rate_limit.ts";
 * parseRateLimit("150/15m"); // { maxTokens: 150, windowMs: 900000 }
 * ```
 */
export function parseRateLimit(value: string | null | undefined): BucketSize | undefined {
  const match = value?.trim().match(/^(\d+)\/(\d+)([smhd])$/);
  if (!match) return undefined;
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[3] as "s"];
  return { maxTokens: Number(match[1]), windowMs: Number(match[2]) * unit };
}

interface Spend {
  at: number;
  cost: number;
}

/** How a {@link RateLimitBucket} counts and learns. */
export interface BucketOptions {
  /**
   * A ceiling set by the application: ESI's headers never change its size,
   * and its size is known from the start (no probe).
   * @default false
   */
  fixed?: boolean;
  /**
   * Count requests (1 each, whatever the answer) rather than ESI's tokens.
   * @default false
   */
  perRequest?: boolean;
  /**
   * Whether the size is known to be ESI's own: until an answer confirms it,
   * one call at a time probes, so a group smaller than the spec says is
   * never overdrawn by a burst. `Limits` starts a spec-sized bucket unconfirmed.
   * @default true
   */
  confirmed?: boolean;
}

/**
 * One floating-window bucket: the tokens spent in the last window, the
 * tokens reserved by calls in flight, and any block a 429 imposed.
 *
 * @example
 * ```ts
 * import { RateLimitBucket } from "./rate_limit.ts";
 * const bucket = new RateLimitBucket({ maxTokens: 150, windowMs: 900_000 });
 * bucket.waitMs(Date.now()); // 0
 * bucket.reserve();
 * bucket.settle(200, undefined, Date.now());
 * bucket.used(Date.now()); // 2
 * ```
 */
export class RateLimitBucket {
  #size: BucketSize;
  // Spends in time order; those before #head have left the window. #spent
  // is the running total of those still in it, so no call re-sums the log.
  #spends: Spend[] = [];
  #head = 0;
  #spent = 0;
  #reserved = 0;
  #blockedUntil = 0;
  #limitHeader: string | undefined;
  #changed = Promise.withResolvers<void>();
  readonly #fixed: boolean;
  readonly #reserveCost: number;
  #confirmed: boolean;

  /**
   * Creates an empty bucket.
   *
   * @param size Its size, until ESI's headers say otherwise.
   * @param options A fixed ceiling, request counting, a size already confirmed.
   */
  constructor(size: BucketSize, options: BucketOptions = {}) {
    this.#size = size;
    this.#fixed = options.fixed ?? false;
    this.#reserveCost = options.perRequest ? 1 : reservedCost;
    this.#confirmed = options.confirmed ?? true;
  }

  /** Whether an answer (or the application) has told the bucket's true size. */
  get confirmed(): boolean {
    return this.#confirmed;
  }

  /** The bucket's size. */
  get size(): BucketSize {
    return this.#size;
  }

  /** Tokens reserved by calls in flight. */
  get reserved(): number {
    return this.#reserved;
  }

  /** Resolves the next time a reservation settles or the bucket changes. */
  get changed(): Promise<void> {
    return this.#changed.promise;
  }

  /**
   * Tokens spent in the window ending now.
   *
   * @param now The current time, in epoch milliseconds.
   * @returns The tokens spent.
   */
  used(now: number): number {
    this.#prune(now);
    return this.#spent;
  }

  /**
   * How long a new call must wait before its tokens fit: 0 when it may go now,
   * `Infinity` when only calls in flight settling can make room.
   *
   * @param now The current time, in epoch milliseconds.
   * @returns The wait in milliseconds.
   */
  waitMs(now: number): number {
    if (this.#blockedUntil > now) return this.#blockedUntil - now;
    // A size no answer has confirmed may be too large: one probe at a time.
    if (!this.#confirmed && this.#reserved > 0) return Infinity;
    let over = this.used(now) + this.#reserved + this.#reserveCost - this.#size.maxTokens;
    if (over <= 0) return 0;
    // Walk the spends from the oldest until enough of them have left the window.
    for (let i = this.#head; i < this.#spends.length; i++) {
      const spend = this.#spends[i];
      over -= spend.cost;
      if (over <= 0) return Math.max(1, spend.at + this.#size.windowMs - now);
    }
    return Infinity;
  }

  /**
   * Whether the bucket holds nothing at this time: no spend in the window, no
   * reservation, no block. An idle bucket can be forgotten and made anew.
   *
   * @param now The current time, in epoch milliseconds.
   * @returns `true` when forgetting it loses nothing.
   */
  idle(now: number): boolean {
    return this.#reserved === 0 && this.#blockedUntil <= now && this.used(now) === 0;
  }

  /**
   * Takes the size as known: an answer came without ESI's `X-Ratelimit-Limit`
   * (a proxy, a private ESI), so nothing better will come, and calls must not
   * go one at a time for ever.
   */
  confirm(): void {
    this.#confirmed = true;
  }

  /** Reserves a call's tokens; {@link RateLimitBucket.settle} gives them back as spent. */
  reserve(): void {
    this.#reserved += this.#reserveCost;
  }

  /**
   * Settles a reservation with what the answer cost, and corrects the bucket
   * from ESI's headers: tokens spent elsewhere (another process of the same
   * application) count too.
   *
   * @param status The answer's status, or 0 when no answer came (nothing spent).
   * @param headers The answer's headers, when there was an answer.
   * @param now The current time, in epoch milliseconds.
   */
  settle(status: number, headers: Headers | undefined, now: number): void {
    this.#reserved = Math.max(0, this.#reserved - this.#reserveCost);
    const cost = this.#reserveCost === 1 ? (status > 0 ? 1 : 0) : tokenCost(status);
    if (cost > 0) this.#spend(now, cost);
    if (headers && !this.#fixed) this.#correct(headers, now);
    this.#notify();
  }

  /**
   * Blocks the bucket: ESI answered 429 and asked to wait.
   *
   * @param until When calls may resume, in epoch milliseconds.
   */
  block(until: number): void {
    this.#blockedUntil = Math.max(this.#blockedUntil, until);
    this.#notify();
  }

  #correct(headers: Headers, now: number): void {
    const limit = headers.get("x-ratelimit-limit");
    if (limit !== null && limit !== this.#limitHeader) {
      this.#limitHeader = limit; // parse each distinct value once
      const size = parseRateLimit(limit);
      if (size) {
        this.#size = size;
        this.#confirmed = true;
      }
    }
    // X-Ratelimit-Used is what this one answer cost; the window's total is
    // the limit minus X-Ratelimit-Remaining.
    const remaining = headers.get("x-ratelimit-remaining");
    if (remaining === null || remaining.trim() === "") return;
    const serverUsed = this.#size.maxTokens - Number(remaining);
    if (!Number.isFinite(serverUsed)) return;
    // ESI counts what it has answered; calls of ours it answered but we have
    // not settled yet are at most what is reserved. Beyond that, the tokens
    // were spent by someone else sharing the bucket.
    const unseen = serverUsed - this.used(now) - this.#reserved;
    if (unseen > 0) this.#spend(now, unseen);
  }

  #spend(at: number, cost: number): void {
    this.#spends.push({ at, cost });
    this.#spent += cost;
  }

  #prune(now: number): void {
    const from = now - this.#size.windowMs;
    const spends = this.#spends;
    while (this.#head < spends.length && spends[this.#head].at <= from) {
      this.#spent -= spends[this.#head++].cost;
    }
    // Compact once the dead prefix outweighs the live part: amortised O(1).
    if (this.#head > 1024 && this.#head * 2 > spends.length) {
      this.#spends = spends.slice(this.#head);
      this.#head = 0;
    }
  }

  #notify(): void {
    this.#changed.resolve();
    this.#changed = Promise.withResolvers<void>();
  }
}
