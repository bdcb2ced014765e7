/**
 * The limits gate of the pipeline: before a call goes out it waits (or, by
 * policy, throws) until ESI's error budget and its route group's bucket both
 * have room; when the answer comes, both learn from it.
 *
 * @module
 */

import { type Clock, systemClock } from "../clock.ts";
import { EsiErrorLimitError, EsiRateLimitError } from "../errors.ts";
import { type CallInfo, emit, type Hooks, type LimitKind } from "../observe/hooks.ts";
import { parseRetryAfter } from "../http/retry.ts";
import { ErrorLimitGuard, type ErrorLimitOptions } from "./error_limit.ts";
import { type BucketSize, RateLimitBucket } from "./rate_limit.ts";

// Ending a wait with a ready-made reason spares a DOMException per wait.
const waited = new Error("The wait is over");

/** What to do when a limit has no room: wait for it, or throw at once. */
export type LimitPolicy = "wait" | "throw";

/** Options of {@link Limits}. */
export interface LimitsOptions {
  /**
   * Wait for room, or throw `EsiErrorLimitError`/`EsiRateLimitError` at once.
   * @default "wait"
   */
  policy?: LimitPolicy;
  /** The error-limit guard's options: reserve, shared store. */
  errorLimit?: ErrorLimitOptions;
  /** Bucket sizes by group, over the spec's `x-rate-limit` (e.g. for a private ESI). */
  groups?: Record<string, BucketSize>;
  /**
   * The clock.
   * @default systemClock
   */
  clock?: Clock;
  /**
   * The longest back-off after a 429 without `Retry-After`, or a 520, in milliseconds.
   * @default 60000
   */
  maxBackoffMs?: number;
}

/** What the limits need to know of a call. */
export interface LimitSubject extends CallInfo {
  /** The route's rate-limit group from the spec, if it has one. */
  rateLimit?: { group: string; maxTokens: number; windowMs: number };
  /** Whose bucket it is: `"app"`, or `"character:<id>"` for calls with a token. */
  identity: string;
}

/** A call's admission; settle it exactly once, when the call has ended. */
export interface Permit {
  /**
   * Ends the call's admission and teaches the limits what its answer said.
   *
   * @param status The answer's status, or 0 when none came.
   * @param headers The answer's headers, when one came.
   */
  settle(status: number, headers?: Headers): void;
}

interface Penalty {
  bucket: RateLimitBucket;
  strikes: number;
}

/**
 * ESI's error limit and route-group rate limits, for one application. Share
 * one `Limits` between clients (pass it as their `limits` option) so that they
 * spend one budget; clients derived with `with*()` share it already.
 *
 * @example
 * ```ts
 * import { EsiClient, Limits } from "@esikit/esi";
 * const limits = new Limits({ policy: "wait", errorLimit: { reserve: 20 } });
 * const a = new EsiClient({ userAgent: "MyApp/1.0", limits });
 * const b = new EsiClient({ userAgent: "MyApp/1.0", limits });
 * ```
 */
export class Limits {
  readonly #policy: LimitPolicy;
  readonly #clock: Clock;
  readonly #groups: Record<string, BucketSize>;
  readonly #maxBackoffMs: number;
  readonly #buckets = new Map<string, RateLimitBucket>();
  readonly #penalties = new Map<string, Penalty>();
  // Buckets and penalties are kept per group (or route) and identity: a
  // gateway sees characters come and go. Idle ones are swept when there are
  // this many, and the next sweep waits for twice what a sweep leaves.
  #sweepBucketsAt = SWEEP_AT;
  #sweepPenaltiesAt = SWEEP_AT;
  /** The error budget's guard. */
  readonly errors: ErrorLimitGuard;

  /**
   * Creates limits that know nothing yet: they learn from the first answers.
   *
   * @param options The policy, the error-limit reserve and store, bucket sizes, the clock.
   */
  constructor(options: LimitsOptions = {}) {
    this.#policy = options.policy ?? "wait";
    this.#clock = options.clock ?? systemClock;
    this.#groups = options.groups ?? {};
    this.#maxBackoffMs = options.maxBackoffMs ?? 60_000;
    this.errors = new ErrorLimitGuard(options.errorLimit);
  }

  /** What happens when a limit has no room. */
  get policy(): LimitPolicy {
    return this.#policy;
  }

  /**
   * The bucket of a group and identity, created on first use.
   *
   * @param group The rate-limit group.
   * @param identity `"app"` or `"character:<id>"`.
   * @param size The size to start from, when the bucket is new.
   * @returns The bucket.
   */
  bucket(group: string, identity: string, size?: BucketSize): RateLimitBucket {
    const key = `${group}|${identity}`;
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      if (this.#buckets.size >= this.#sweepBucketsAt) {
        const now = this.#clock.now();
        forgetIdle(this.#buckets, (b) => b.idle(now));
        this.#sweepBucketsAt = Math.max(SWEEP_AT, this.#buckets.size * 2);
      }
      bucket = new RateLimitBucket(
        this.#groups[group] ?? size ?? { maxTokens: 150, windowMs: 900_000 },
      );
      this.#buckets.set(key, bucket);
    }
    return bucket;
  }

  /**
   * Waits until the call fits inside every limit, then admits it.
   *
   * @param subject The call.
   * @param hooks Where to report waits.
   * @param signal Gives up waiting.
   * @returns The admission, to settle when the call ends.
   * @throws {EsiErrorLimitError} With policy `"throw"`, when the error budget has no room.
   * @throws {EsiRateLimitError} With policy `"throw"`, when the group's bucket has no room.
   */
  async acquire(subject: LimitSubject, hooks?: Hooks, signal?: AbortSignal): Promise<Permit> {
    const bucket = this.#bucketOf(subject);
    const penalty = this.#penalties.get(penaltyKey(subject));
    for (;;) {
      signal?.throwIfAborted();
      await this.errors.sync(this.#clock.now());
      const now = this.#clock.now();
      const errorWait = this.errors.waitMs(now);
      if (errorWait > 0) {
        if (this.#policy === "throw") {
          const resetAt = this.errors.budget?.resetAt ?? now;
          throw new EsiErrorLimitError(this.errors.budget?.remain ?? 0, Math.max(resetAt, now + 1));
        }
        await this.#wait(subject, hooks, "error-limit", errorWait, this.errors.changed, signal);
        continue;
      }
      const penaltyWait = penalty?.bucket.waitMs(now) ?? 0;
      const bucketWait = Math.max(bucket?.waitMs(now) ?? 0, penaltyWait);
      if (bucketWait > 0) {
        const group = subject.rateLimit?.group ?? subject.route;
        if (this.#policy === "throw") throw new EsiRateLimitError(group, now + bucketWait);
        await this.#wait(subject, hooks, "rate-limit", bucketWait, bucket?.changed, signal);
        continue;
      }
      // Checks and admission happen with no await between them: two calls
      // cannot both take the last room.
      this.errors.admit();
      bucket?.reserve();
      return this.#permit(subject, bucket);
    }
  }

  /**
   * Admits the call at once when every limit has room and nothing needs
   * reading from a shared store: the common case, without a promise.
   *
   * @param subject The call.
   * @returns The admission, or `undefined` when the call must go through {@link Limits.acquire}.
   */
  tryAcquire(subject: LimitSubject): Permit | undefined {
    const now = this.#clock.now();
    if (this.errors.needsSync(now) || this.errors.waitMs(now) > 0) return undefined;
    const bucket = this.#bucketOf(subject);
    if ((bucket?.waitMs(now) ?? 0) > 0) return undefined;
    if ((this.#penalties.get(penaltyKey(subject))?.bucket.waitMs(now) ?? 0) > 0) return undefined;
    this.errors.admit();
    bucket?.reserve();
    return this.#permit(subject, bucket);
  }

  #bucketOf(subject: LimitSubject): RateLimitBucket | undefined {
    return subject.rateLimit
      ? this.bucket(subject.rateLimit.group, subject.identity, subject.rateLimit)
      : undefined;
  }

  #permit(subject: LimitSubject, bucket: RateLimitBucket | undefined): Permit {
    let settled = false;
    return {
      settle: (status: number, headers?: Headers) => {
        if (settled) return;
        settled = true;
        const now = this.#clock.now();
        this.errors.settle(headers, status, now);
        bucket?.settle(status, headers, now);
        this.#learn(subject, bucket, status, headers, now);
      },
    };
  }

  /** What a 429 or a 520 teaches: block the bucket, or the route, for a while. */
  #learn(
    subject: LimitSubject,
    bucket: RateLimitBucket | undefined,
    status: number,
    headers: Headers | undefined,
    now: number,
  ): void {
    const key = penaltyKey(subject);
    if (status !== 429 && status !== 520) {
      if (status > 0 && status < 400) this.#penalties.delete(key);
      return;
    }
    const retryAfter = parseRetryAfter(headers?.get("retry-after"), now);
    if (status === 429 && retryAfter !== undefined && bucket) {
      bucket.block(now + retryAfter);
      return;
    }
    // No header to go by: the game server limited us. Back off, doubling.
    const penalty = this.#penalties.get(key) ??
      { bucket: new RateLimitBucket({ maxTokens: Infinity, windowMs: 1 }), strikes: 0 };
    penalty.strikes++;
    const backoff = retryAfter ?? Math.min(this.#maxBackoffMs, 1_000 * 2 ** (penalty.strikes - 1));
    penalty.bucket.block(now + backoff);
    if (!this.#penalties.has(key) && this.#penalties.size >= this.#sweepPenaltiesAt) {
      // A penalty whose block ended longer ago than the longest backoff has nothing left to double.
      forgetIdle(this.#penalties, (p) => p.bucket.idle(now - this.#maxBackoffMs));
      this.#sweepPenaltiesAt = Math.max(SWEEP_AT, this.#penalties.size * 2);
    }
    this.#penalties.set(key, penalty);
  }

  async #wait(
    subject: LimitSubject,
    hooks: Hooks | undefined,
    limit: LimitKind,
    waitMs: number,
    changed: Promise<void> | undefined,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const started = this.#clock.now();
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    signal?.addEventListener("abort", onAbort, { once: true });
    const waits: Promise<void>[] = [];
    // Each wait ends quietly on abort: the caller's loop reports the abort.
    if (Number.isFinite(waitMs)) waits.push(this.#clock.sleep(waitMs, stop.signal).catch(() => {}));
    // Room may also come from a call in flight settling.
    if (changed) waits.push(changed);
    if (signal) {
      waits.push(new Promise((resolve) => stop.signal.addEventListener("abort", () => resolve())));
    }
    await Promise.race(waits);
    signal?.removeEventListener("abort", onAbort);
    stop.abort(waited);
    emit(hooks?.limitWait, {
      method: subject.method,
      route: subject.route,
      url: subject.url,
      limit,
      group: limit === "rate-limit" ? subject.rateLimit?.group : undefined,
      waitMs: this.#clock.now() - started,
    });
  }
}

/** How many buckets (or penalties) are kept before idle ones are swept. */
const SWEEP_AT = 10_000;

function forgetIdle<V>(entries: Map<string, V>, idle: (value: V) => boolean): void {
  for (const [key, value] of entries) if (idle(value)) entries.delete(key);
}

function penaltyKey(subject: LimitSubject): string {
  return `${subject.rateLimit?.group ?? subject.route}|${subject.identity}`;
}
