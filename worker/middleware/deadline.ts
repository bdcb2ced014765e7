/**
 * One deadline per gateway request, from its arrival: the body read, the
 * store calls and every upstream try (retries included) share it. It ends
 * the request's work when the caller leaves, too: its signal is what the
 * module's call is given.
 *
 * @module
 */

import type { MiddlewareHandler } from "hono";
import { type Clock, systemClock } from "../../src/clock.ts";
import type { GatewayEnv } from "../context.ts";

/** Options of {@link requestDeadline}. */
export interface RequestDeadlineOptions {
  /** The longest a request may take, in milliseconds. */
  ms: number;
  /**
   * The clock the deadline is counted on.
   * @default systemClock
   */
  clock?: Clock;
}

/** The reason a cleared timer's wait ends with (never seen by anyone). */
const CLEARED = new Error("the deadline was cleared");

/** Why a request's signal aborted: its deadline passed. */
export class DeadlineError extends Error {
  /** Creates the error. */
  constructor(readonly ms: number) {
    super(`Cannot answer within ${ms} ms: the request deadline passed`);
    this.name = "DeadlineError";
  }
}

/**
 * A request's deadline: `signal` aborts when the caller leaves or the time is
 * up (`expired` then says which). Nothing is armed until something asks for
 * `signal`: a request answered without waiting (a cache hit) costs no timer
 * and never reads the request's own signal (on Deno, reading a served
 * request's signal cost a small answer nearly half its throughput).
 *
 * @example
 * ```ts
 * import { RequestDeadline } from "./deadline.ts";
 * const deadline = new RequestDeadline(10_000);
 * deadline.signal.aborted; // false
 * deadline.clear();
 * ```
 */
export class RequestDeadline {
  /** The deadline, in milliseconds. */
  readonly ms: number;
  readonly #caller?: () => AbortSignal;
  readonly #clock: Clock;
  #startedAt: number;
  #expiry?: AbortController;
  #signal?: AbortSignal;
  #cancelTimer?: () => void;
  #handedOff = false;

  /**
   * Starts the deadline.
   *
   * @param ms The time allowed, in milliseconds.
   * @param caller The caller's signal (the request's), aborted when it
   *   leaves; read only once something waits.
   * @param clock The clock.
   */
  constructor(ms: number, caller?: AbortSignal | (() => AbortSignal), clock: Clock = systemClock) {
    this.ms = ms;
    this.#caller = typeof caller === "function" ? caller : caller && (() => caller);
    this.#clock = clock;
    this.#startedAt = clock.now();
  }

  /** Aborts when the caller leaves or the deadline passes. */
  get signal(): AbortSignal {
    if (this.#signal) return this.#signal;
    const expiry = this.#expiry = new AbortController();
    const caller = this.#caller?.();
    this.#signal = caller ? AbortSignal.any([caller, expiry.signal]) : expiry.signal;
    this.#arm();
    return this.#signal;
  }

  /** Whether the time ran out (rather than the caller leaving). */
  get expired(): boolean {
    return this.#expiry?.signal.aborted ?? false;
  }

  /** Counts the whole time allowed again from now: a streamed answer made progress. */
  restart(): void {
    this.#startedAt = this.#clock.now();
    if (this.#signal) this.#arm();
  }

  /** Stops counting: the answer is complete. */
  clear(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
  }

  /** A streamed answer takes the deadline over: it clears it when it ends. */
  handOff(): void {
    this.#handedOff = true;
  }

  /** Whether a streamed answer took the deadline over. */
  get handedOff(): boolean {
    return this.#handedOff;
  }

  #arm(): void {
    this.clear();
    if (this.#signal!.aborted) return;
    const left = Math.max(0, this.#startedAt + this.ms - this.#clock.now());
    const expire = () => this.#expiry!.abort(new DeadlineError(this.ms));
    // A timer cancelled without an AbortController: aborting one for every
    // answered request builds a DOMException (and its stack) each time.
    if (this.#clock.setTimer) {
      this.#cancelTimer = this.#clock.setTimer(left, expire);
      return;
    }
    const timer = new AbortController();
    this.#clock.sleep(left, timer.signal).then(expire, () => {}); // cleared or restarted
    this.#cancelTimer = () => timer.abort(CLEARED);
  }
}

/**
 * Sets `c.var.deadline` for the rest of the chain and clears it once answered
 * (unless a streamed answer took it over).
 *
 * @param options The time allowed and the clock.
 * @returns The middleware.
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { requestDeadline } from "./deadline.ts";
 * new Hono().use("/esi/*", requestDeadline({ ms: 10_000 }));
 * ```
 */
export function requestDeadline(
  { ms, clock = systemClock }: RequestDeadlineOptions,
): MiddlewareHandler<GatewayEnv> {
  return async function requestDeadline(c, next) {
    const deadline = new RequestDeadline(ms, () => c.req.raw.signal, clock);
    c.set("deadline", deadline);
    try {
      await next();
    } finally {
      if (!deadline.handedOff) deadline.clear();
    }
  };
}

/**
 * Waits for `promise`, or throws the signal's reason once it aborts.
 *
 * @param promise What is waited for.
 * @param signal Ends the wait.
 * @returns What `promise` resolves to.
 * @example
 * ```ts ignore
 * const { done, value } = await within(reader.read(), deadline.signal);
 * ```
 */
export function within<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const stop = () => reject(signal.reason);
    signal.addEventListener("abort", stop, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", stop));
  });
}
