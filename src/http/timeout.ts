/**
 * A deadline for one try, joined with the caller's signal, timed by the
 * injected clock (so tests can run out a timeout without waiting).
 *
 * @module
 */

import type { Clock } from "../clock.ts";

// Stopping the timer with a ready-made reason spares a DOMException per try.
const cleared = new Error("The try ended before its deadline");

/** A running deadline. */
export interface Deadline {
  /** Aborts when the caller aborts or the time runs out. */
  readonly signal: AbortSignal;
  /** Whether the time ran out (as opposed to the caller aborting). */
  readonly timedOut: boolean;
  /** Stops the timer; call it once the try has ended, body included. */
  clear(): void;
}

/**
 * Starts a deadline of `timeoutMs` joined with the caller's signal.
 *
 * @param clock The clock that times it.
 * @param timeoutMs The time allowed; 0 or less means none.
 * @param callerSignal The caller's own signal.
 * @returns The running deadline.
 * @example
 * ```ts
 * import { systemClock } from "../clock.ts";
 * import { startDeadline } from "./timeout.ts";
 * const deadline = startDeadline(systemClock, 1_000);
 * deadline.clear();
 * deadline.timedOut; // false
 * ```
 */
export function startDeadline(
  clock: Clock,
  timeoutMs: number,
  callerSignal?: AbortSignal,
): Deadline {
  const controller = new AbortController();
  let timedOut = false;
  const onCallerAbort = () => controller.abort(callerSignal!.reason);
  if (callerSignal?.aborted) controller.abort(callerSignal.reason);
  else callerSignal?.addEventListener("abort", onCallerAbort, { once: true });
  let cancel = noop;
  if (timeoutMs > 0 && !controller.signal.aborted) {
    const expire = () => {
      timedOut = true;
      controller.abort(new DOMException("The try timed out", "TimeoutError"));
    };
    if (clock.setTimer) cancel = clock.setTimer(timeoutMs, expire);
    else {
      const stop = new AbortController();
      clock.sleep(timeoutMs, stop.signal).then(expire, noop);
      cancel = () => stop.abort(cleared);
    }
  }
  return {
    signal: controller.signal,
    get timedOut() {
      return timedOut;
    },
    clear() {
      cancel();
      callerSignal?.removeEventListener("abort", onCallerAbort);
    },
  };
}

function noop(): void {}

/** A wait that ran past its deadline (std's `async/deadline` shape). */
export class DeadlineError extends Error {
  /**
   * Creates the error.
   *
   * @param ms The deadline, in milliseconds.
   */
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = "DeadlineError";
  }
}

/**
 * Waits for `promise` at most `ms` milliseconds of `clock`: every wait on a
 * store goes through here, so a stalled one delays a call by its deadline and
 * never for ever. The promise itself goes on; its outcome is ignored.
 *
 * @param promise What to wait for.
 * @param ms The deadline; 0 or less means none.
 * @param clock The clock that times it.
 * @returns The promise's value.
 * @throws {DeadlineError} When the deadline passes first.
 * @example
 * ```ts
 * import { deadline } from "./timeout.ts";
 * import { systemClock } from "../clock.ts";
 * await deadline(Promise.resolve(1), 1_000, systemClock); // 1
 * ```
 */
export function deadline<T>(promise: Promise<T>, ms: number, clock: Clock): Promise<T> {
  if (ms <= 0) return promise;
  const timer = startDeadline(clock, ms);
  return new Promise<T>((resolve, reject) => {
    timer.signal.addEventListener("abort", () => reject(new DeadlineError(ms)), {
      once: true,
    });
    promise.then(resolve, reject).finally(() => timer.clear());
  });
}
