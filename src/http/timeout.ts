/**
 * A deadline for one try, joined with the caller's signal, timed by the
 * injected clock (so tests can run out a timeout without waiting).
 *
 * @module
 */

import type { Clock } from "../clock.ts";

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
 * import { startDeadline, systemClock } from "@esikit/esi";
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
  const stopTimer = new AbortController();
  let timedOut = false;
  const onCallerAbort = () => controller.abort(callerSignal!.reason);
  if (callerSignal?.aborted) controller.abort(callerSignal.reason);
  else callerSignal?.addEventListener("abort", onCallerAbort, { once: true });
  if (timeoutMs > 0 && !controller.signal.aborted) {
    clock.sleep(timeoutMs, stopTimer.signal).then(() => {
      timedOut = true;
      controller.abort(new DOMException("The try timed out", "TimeoutError"));
    }, () => {});
  }
  return {
    signal: controller.signal,
    get timedOut() {
      return timedOut;
    },
    clear() {
      stopTimer.abort();
      callerSignal?.removeEventListener("abort", onCallerAbort);
    },
  };
}
