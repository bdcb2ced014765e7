/**
 * Deadlines on the shared store: a store that hangs must not hold the
 * gateway's callers with it. Past the deadline the call fails like any store
 * failure, and the gateway fails open or closed as configured; the store's
 * own call goes on.
 *
 * @module
 */

import type { Clock } from "../../src/clock.ts";
import { raceAbort } from "../../src/sso/abort.ts";

/**
 * How long the gateway waits for its store on a caller's behalf (the same as
 * `@upstash/ratelimit`'s default timeout).
 */
export const STORE_TIMEOUT_MS = 1_000;

/** The store did not answer in time. */
export class StoreTimeoutError extends Error {
  /**
   * Creates the error.
   *
   * @param what What was asked of the store, e.g. `"count a request"`.
   * @param ms The deadline, in milliseconds.
   */
  constructor(what: string, ms: number) {
    super(`Cannot ${what}: the store did not answer within ${ms} ms`);
    this.name = "StoreTimeoutError";
  }
}

/**
 * Waits for a store call until `ms` have passed on the clock.
 *
 * @param work The store call.
 * @param what What it asks of the store, for the error.
 * @param options The deadline (0: none) and the clock it is counted on.
 * @returns What the call resolves to.
 * @throws {StoreTimeoutError} When the deadline passes first.
 * @example
 * ```ts
 * import { withDeadline } from "./deadline.ts";
 * import { systemClock } from "../../src/clock.ts";
 * await withDeadline(Promise.resolve(1), "read a value", { ms: 1_000, clock: systemClock }); // 1
 * ```
 */
export async function withDeadline<T>(
  work: Promise<T>,
  what: string,
  { ms, clock }: { ms: number; clock: Clock },
): Promise<T> {
  if (ms <= 0) return await work;
  const settled = new AbortController();
  const late = new AbortController();
  clock.sleep(ms, settled.signal).then(
    () => late.abort(new StoreTimeoutError(what, ms)),
    () => {}, // settled in time
  );
  try {
    return await raceAbort(work, late.signal);
  } finally {
    settled.abort();
  }
}
