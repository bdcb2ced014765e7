/**
 * The limits of the pipeline: ESI's error budget, its route groups' buckets,
 * the application's own ceilings and the circuit breaker. A call first waits
 * until they all seem to have room ({@link Limits.ready}); then, holding its
 * place in the concurrency gate, it is admitted or not with no await between
 * the check and the admission ({@link Limits.admit}), immediately before it is
 * sent. When the answer comes, every limit learns from it.
 *
 * @module
 */

import { type Clock, systemClock } from "../clock.ts";
import { EsiCircuitOpenError, EsiErrorLimitError, EsiRateLimitError } from "../errors.ts";
import { type CallInfo, emit, type Hooks, type LimitKind } from "../observe/hooks.ts";
import { parseRetryAfter } from "../http/retry.ts";
import { ErrorLimitGuard, type ErrorLimitOptions } from "./error_limit.ts";
import { type BucketSize, ceiling, RateLimitBucket, reservedCost } from "./rate_limit.ts";
import { CircuitBreaker, type CircuitOptions, type CircuitState } from "./circuit.ts";

// Ending a wait with a ready-made reason spares a DOMException per wait.
const waited = new Error("The wait is over");

/** What to do when a limit has no room: wait for it, or throw at once. */
export type LimitPolicy = "wait" | "throw";

/** A rate the application sets for itself: `rate` requests per `intervalMs`. */
export interface Throttle {
  /** Requests per interval. */
  rate: number;
  /** The interval, in milliseconds. */
  intervalMs: number;
}

/** Options of {@link Limits}. */
export interface LimitsOptions {
  /**
   * Wait for room, or throw `EsiErrorLimitError`/`EsiRateLimitError` at once
   * when the budget or bucket itself (not the calls queued for it) has none.
   * @default "wait"
   */
  policy?: LimitPolicy;
  /** The error-limit guard's options: reserve, shared store. */
  errorLimit?: ErrorLimitOptions;
  /**
   * Your own ceilings by group, in ESI's tokens: they only ever tighten
   * (ESI's headers never loosen them).
   */
  groups?: Record<string, BucketSize>;
  /** Your own rate for calls of routes without a group (they share it), per identity. */
  throttle?: Throttle;
  /**
   * The circuit breaker, per route group; `false` for none.
   * @default {}
   */
  circuit?: CircuitOptions | false;
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
   * @param failed Whether the try failed on the wire (a timeout, a network
   *   failure, a broken answer): the circuit breaker counts it. A try that
   *   ended without either (aborted, never sent) teaches the circuit nothing.
   */
  settle(status: number, headers?: Headers, failed?: boolean): void;
}

interface Penalty {
  bucket: RateLimitBucket;
  strikes: number;
}

/** The buckets a call draws from: ESI's group bucket and the application's own. */
interface Draw {
  esi?: RateLimitBucket;
  own?: RateLimitBucket;
  penalty?: RateLimitBucket;
}

/**
 * ESI's error limit, route-group rate limits and circuit breaker, for one
 * application. Share one `Limits` between clients (pass it as their `limits`
 * option) so that they spend one budget; clients derived with `with*()`
 * share it already.
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
  readonly #throttle?: Throttle;
  readonly #maxBackoffMs: number;
  readonly #buckets = new Map<string, RateLimitBucket>();
  readonly #own = new Map<string, RateLimitBucket>();
  readonly #penalties = new Map<string, Penalty>();
  // A group's size as ESI's answers confirmed it: a new identity's bucket
  // starts from it, with no probe.
  readonly #learned = new Map<string, BucketSize>();
  // Buckets and penalties are kept per group (or route) and identity: a
  // gateway sees characters come and go. Idle ones are swept when there are
  // this many, and the next sweep waits for twice what a sweep leaves.
  #sweepAt = { buckets: SWEEP_AT, own: SWEEP_AT, penalties: SWEEP_AT };
  /** The error budget's guard (the pipeline's, not part of the public surface).
   *
   * @ignore
   */
  readonly errors: ErrorLimitGuard;
  /** The circuit breaker, unless switched off (the pipeline's).
   *
   * @ignore
   */
  readonly circuit?: CircuitBreaker;

  /**
   * Creates limits that know nothing yet: they learn from the first answers.
   *
   * @param options The policy, the error-limit reserve and store, your own
   *   ceilings, the circuit breaker, the clock.
   */
  constructor(options: LimitsOptions = {}) {
    this.#policy = options.policy ?? "wait";
    this.#clock = options.clock ?? systemClock;
    this.#groups = options.groups ?? {};
    for (const [group, size] of Object.entries(this.#groups)) {
      ceiling(`limits.groups["${group}"]`, size.maxTokens, size.windowMs, reservedCost, size);
    }
    const throttle = options.throttle;
    if (throttle) ceiling("limits.throttle", throttle.rate, throttle.intervalMs, 1, throttle);
    this.#throttle = throttle;
    this.#maxBackoffMs = options.maxBackoffMs ?? 60_000;
    this.errors = new ErrorLimitGuard({ clock: this.#clock, ...options.errorLimit });
    if (options.circuit !== false) this.circuit = new CircuitBreaker(options.circuit);
  }

  /** What happens when a limit has no room. */
  get policy(): LimitPolicy {
    return this.#policy;
  }

  /**
   * ESI's bucket of a group and identity, created on first use.
   *
   * @param group The rate-limit group.
   * @param identity `"app"` or `"character:<id>"`.
   * @param size The size to start from (the spec's), when the group's size was never confirmed.
   * @returns The bucket.
   * @ignore Used by the pipeline; not part of the public surface.
   */
  bucket(group: string, identity: string, size?: BucketSize): RateLimitBucket {
    return this.#kept(this.#buckets, "buckets", `${group}|${identity}`, () => {
      const learned = this.#learned.get(group);
      return new RateLimitBucket(learned ?? size ?? { maxTokens: 150, windowMs: 900_000 }, {
        confirmed: learned !== undefined,
      });
    });
  }

  /**
   * The circuit state of a call's group (or route).
   *
   * @param subject The call.
   * @returns `"closed"`, `"open"` or `"half-open"`.
   * @ignore Used by the pipeline; not part of the public surface.
   */
  circuitState(subject: LimitSubject): CircuitState {
    return this.circuit?.state(groupOf(subject), this.#clock.now()) ?? "closed";
  }

  /**
   * Waits until every limit seems to have room for the call; it admits
   * nothing (see {@link Limits.admit}).
   *
   * @param subject The call.
   * @param hooks Where to report waits.
   * @param signal Gives up waiting.
   * @throws {EsiCircuitOpenError} When the call's circuit is open.
   * @throws {EsiErrorLimitError} With policy `"throw"`, when the error budget has no room.
   * @throws {EsiRateLimitError} With policy `"throw"`, when the group's bucket has no room.
   * @ignore Used by the pipeline; not part of the public surface.
   */
  async ready(subject: LimitSubject, hooks?: Hooks, signal?: AbortSignal): Promise<void> {
    const draw = this.#draw(subject);
    for (;;) {
      signal?.throwIfAborted();
      if (this.errors.needsSync(this.#clock.now())) await this.errors.sync(this.#clock.now());
      const now = this.#clock.now();
      this.#checkCircuit(subject, now);
      const errorWait = this.errors.waitMs(now);
      if (errorWait > 0) {
        if (this.#policy === "throw" && this.errors.exhausted(now)) {
          const budget = this.errors.current(now);
          throw new EsiErrorLimitError(
            budget.remain,
            Math.max(budget.resetAt, budget.blockedUntil, now + 1),
          );
        }
        await this.#wait(subject, hooks, "error-limit", errorWait, this.errors.changed, signal);
        continue;
      }
      const [bucket, bucketWait] = waitOf(draw, now);
      if (bucketWait === 0) return;
      // A bucket short of tokens throws by policy; one waiting for calls in flight waits.
      if (this.#policy === "throw" && Number.isFinite(bucketWait)) {
        throw new EsiRateLimitError(groupOf(subject), now + bucketWait);
      }
      await this.#wait(subject, hooks, "rate-limit", bucketWait, bucket?.changed, signal);
    }
  }

  /**
   * Admits the call now, when every limit has room: the check and the
   * admission happen with no await between them, so two calls cannot both
   * take the last room. The pipeline calls it holding its place in the
   * concurrency gate, immediately before sending.
   *
   * @param subject The call.
   * @param hooks Where to report the circuit's changes.
   * @returns The admission, or `undefined` when a limit has no room (wait with {@link Limits.ready}).
   * @throws {EsiCircuitOpenError} When the call's circuit is open.
   * @ignore Used by the pipeline; not part of the public surface.
   */
  admit(subject: LimitSubject, hooks?: Hooks): Permit | undefined {
    const now = this.#clock.now();
    this.#checkCircuit(subject, now);
    if (this.errors.waitMs(now) > 0) return undefined;
    const draw = this.#draw(subject);
    if (waitOf(draw, now)[1] > 0) return undefined;
    const probe = this.circuit?.admit(groupOf(subject), now) ?? false;
    if (probe) emit(hooks?.circuit, { group: groupOf(subject), state: "half-open" });
    this.errors.admit();
    draw.esi?.reserve();
    draw.own?.reserve();
    return this.#permit(subject, draw, hooks, probe);
  }

  /** Throws while the call's circuit is open. */
  #checkCircuit(subject: LimitSubject, now: number): void {
    const retryAt = this.circuit?.refusal(groupOf(subject), now);
    if (retryAt !== undefined) throw new EsiCircuitOpenError(groupOf(subject), retryAt);
  }

  #draw(subject: LimitSubject): Draw {
    const group = subject.rateLimit?.group;
    const identity = subject.identity;
    const own = group ? this.#groups[group] : this.#throttle;
    return {
      esi: group ? this.bucket(group, identity, subject.rateLimit) : undefined,
      own: own
        ? this.#kept(
          this.#own,
          "own",
          `${group ?? ""}|${identity}`,
          () =>
            "rate" in own
              ? new RateLimitBucket({ maxTokens: own.rate, windowMs: own.intervalMs }, {
                fixed: true,
                perRequest: true,
              })
              : new RateLimitBucket(own, { fixed: true }),
        )
        : undefined,
      penalty: this.#penalties.get(penaltyKey(subject))?.bucket,
    };
  }

  #kept(
    map: Map<string, RateLimitBucket>,
    kind: "buckets" | "own",
    key: string,
    make: () => RateLimitBucket,
  ): RateLimitBucket {
    let bucket = map.get(key);
    if (!bucket) {
      if (map.size >= this.#sweepAt[kind]) {
        const now = this.#clock.now();
        forgetIdle(map, (b) => b.idle(now));
        this.#sweepAt[kind] = Math.max(SWEEP_AT, map.size * 2);
      }
      map.set(key, bucket = make());
    }
    return bucket;
  }

  #permit(subject: LimitSubject, draw: Draw, hooks: Hooks | undefined, probe: boolean): Permit {
    let settled = false;
    return {
      settle: (status: number, headers?: Headers, failed = false) => {
        if (settled) return;
        settled = true;
        const now = this.#clock.now();
        this.errors.settle(headers, status, now);
        draw.esi?.settle(status, headers, now);
        // The probe was answered: with ESI's size (settle took it) or without
        // one, in which case the spec's stands (a 420, a game server's 429 or a
        // proxy's 5xx tells nothing of the group).
        if (status >= 200 && status < 400) draw.esi?.confirm();
        draw.own?.settle(status, headers, now);
        if (draw.esi?.confirmed && subject.rateLimit) {
          this.#learned.set(subject.rateLimit.group, draw.esi.size);
        }
        this.#learn(subject, draw.esi, status, headers, now);
        const group = groupOf(subject);
        // A 520 is the game server's own limit on one character, not ESI failing.
        const ok = status === 520
          ? undefined
          : failed || status >= 500
          ? false
          : status > 0
          ? true
          : undefined;
        const changed = this.circuit?.settle(group, ok, now, probe);
        if (changed) {
          emit(hooks?.circuit, { group, state: changed, retryAt: this.circuit!.openUntil(group) });
        }
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
    if (!this.#penalties.has(key) && this.#penalties.size >= this.#sweepAt.penalties) {
      // A penalty whose block ended longer ago than the longest backoff has nothing left to double.
      forgetIdle(this.#penalties, (p) => p.bucket.idle(now - this.#maxBackoffMs));
      this.#sweepAt.penalties = Math.max(SWEEP_AT, this.#penalties.size * 2);
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

function groupOf(subject: LimitSubject): string {
  return subject.rateLimit?.group ?? subject.route;
}

function penaltyKey(subject: LimitSubject): string {
  return `${groupOf(subject)}|${subject.identity}`;
}

/** The longest wait among a call's buckets, and the bucket that imposes it. */
function waitOf(draw: Draw, now: number): [RateLimitBucket | undefined, number] {
  let longest: [RateLimitBucket | undefined, number] = [undefined, 0];
  for (const bucket of [draw.esi, draw.own, draw.penalty]) {
    const wait = bucket?.waitMs(now) ?? 0;
    if (wait > longest[1]) longest = [bucket, wait];
  }
  return longest;
}
