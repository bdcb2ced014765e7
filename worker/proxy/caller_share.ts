/**
 * A caller's share of what every caller shares: ESI's error budget (100
 * errors a minute for the gateway's whole address) and the client's upstream
 * slots. Without it, one caller asking for unknown ids spends the budget and
 * everyone gets 503 for the rest of the minute, and one caller's hanging
 * calls hold every slot.
 *
 * Counted per instance, in memory: each instance gives each caller its share
 * of what that instance sends. (ESI's budget itself is shared across
 * instances by the module's error-limit store.)
 *
 * @module
 */

import { type Clock, systemClock } from "../../src/clock.ts";

/** Options of {@link CallerShare}. */
export interface CallerShareOptions {
  /** ESI errors one caller may cause per window. */
  errorBudget: number;
  /**
   * The window errors are counted in, in milliseconds (ESI's own).
   * @default 60000
   */
  windowMs?: number;
  /**
   * Calls one caller may have in flight: with the client's 20 upstream
   * slots, at least four callers always get through.
   * @default 5
   */
  maxInFlight?: number;
  /**
   * The clock windows are counted on.
   * @default systemClock
   */
  clock?: Clock;
  /**
   * The most callers tracked; the oldest windows are forgotten first.
   * @default 10000
   */
  maxCallers?: number;
}

/** Why a caller is refused now, and for how long. */
export interface ShareRefusal {
  /** The sentence for the error. */
  message: string;
  /** Seconds until it may try again. */
  retryAfter: number;
}

/**
 * Per-caller error windows and in-flight counts.
 *
 * @example
 * ```ts
 * import { CallerShare } from "./caller_share.ts";
 * const share = new CallerShare({ errorBudget: 1 });
 * share.check("ip:1", "GET /status"); // undefined: let through
 * share.error("ip:1");
 * share.check("ip:1", "GET /status")?.retryAfter; // 60
 * ```
 */
export class CallerShare {
  readonly #errors = new Map<string, { start: number; count: number }>();
  // Per caller, its distinct calls in flight and how many requests wait on each:
  // identical calls coalesce into one upstream request, so they share one slot.
  readonly #inFlight = new Map<string, Map<string, number>>();
  readonly #budget: number;
  readonly #windowMs: number;
  readonly #maxInFlight: number;
  readonly #maxCallers: number;
  readonly #clock: Clock;

  /**
   * Creates the counters.
   *
   * @param options The budget, window, in-flight cap and clock.
   */
  constructor(options: CallerShareOptions) {
    this.#budget = options.errorBudget;
    this.#windowMs = options.windowMs ?? 60_000;
    this.#maxInFlight = options.maxInFlight ?? 5;
    this.#maxCallers = options.maxCallers ?? 10_000;
    this.#clock = options.clock ?? systemClock;
  }

  /**
   * Whether the caller may send this call upstream now.
   *
   * @param caller The caller's id.
   * @param call What makes two calls identical (they share one upstream request, and one slot).
   * @returns Why not, or `undefined`.
   */
  check(caller: string, call: string): ShareRefusal | undefined {
    const now = this.#clock.now();
    const window = this.#errors.get(caller);
    if (window && now - window.start < this.#windowMs && window.count >= this.#budget) {
      return {
        message:
          `Cannot call ESI for this caller: it caused ${window.count} ESI errors this minute, its share of the gateway's error budget (${this.#budget})`,
        retryAfter: Math.max(1, Math.ceil((window.start + this.#windowMs - now) / 1000)),
      };
    }
    const calls = this.#inFlight.get(caller);
    if (calls && !calls.has(call) && calls.size >= this.#maxInFlight) {
      return {
        message:
          `Cannot call ESI for this caller: it has ${this.#maxInFlight} calls in flight, its share of the upstream slots`,
        retryAfter: 1,
      };
    }
    return undefined;
  }

  /**
   * Counts a call in flight until the returned function is called.
   *
   * @param caller The caller's id.
   * @param call What makes two calls identical.
   * @returns Ends the call (call it once).
   */
  start(caller: string, call: string): () => void {
    let calls = this.#inFlight.get(caller);
    if (!calls) this.#inFlight.set(caller, calls = new Map());
    calls.set(call, (calls.get(call) ?? 0) + 1);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      const left = (calls.get(call) ?? 1) - 1;
      if (left > 0) calls.set(call, left);
      else calls.delete(call);
      if (calls.size === 0 && this.#inFlight.get(caller) === calls) this.#inFlight.delete(caller);
    };
  }

  /**
   * Counts an ESI error the caller's call caused.
   *
   * @param caller The caller's id.
   */
  error(caller: string): void {
    const now = this.#clock.now();
    const window = this.#errors.get(caller);
    if (window && now - window.start < this.#windowMs) {
      window.count++;
      return;
    }
    this.#errors.delete(caller);
    // Oldest windows first (a Map iterates in insertion order).
    for (const [key] of this.#errors) {
      if (this.#errors.size < this.#maxCallers) break;
      this.#errors.delete(key);
    }
    this.#errors.set(caller, { start: now, count: 1 });
  }
}
