/**
 * Time, injectable: the client reads the time and waits only through a
 * {@link Clock}, so tests drive time instead of sleeping.
 *
 * @module
 */

/**
 * A source of time and of waits.
 *
 * @example
 * ```ts
 * import { systemClock } from "./clock.ts";
 * const t0 = systemClock.now();
 * await systemClock.sleep(1);
 * systemClock.now() >= t0; // true
 * ```
 */
export interface Clock {
  /** The current time, in epoch milliseconds. */
  now(): number;
  /**
   * Waits `ms` milliseconds, or rejects with the signal's reason when it aborts.
   *
   * @param ms How long to wait.
   * @param signal Ends the wait early.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * Calls `fn` after `ms` milliseconds, unless cancelled first. Optional: a
   * cheaper way than `sleep` to time out a request, used when present.
   *
   * @param ms How long to wait.
   * @param fn What to call.
   * @returns Cancels the timer.
   */
  setTimer?(ms: number, fn: () => void): () => void;
}

/**
 * The real clock: `Date.now()` and `setTimeout`.
 *
 * @example
 * ```ts
 * import { systemClock } from "./clock.ts";
 * typeof systemClock.now(); // "number"
 * ```
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(ms: number, fn: () => void): () => void {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal!.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  },
};
