/**
 * One deadline for every store call: a store that hangs must not hold the
 * callers waiting on it. Past the deadline the wait fails with
 * {@link StoreTimeoutError} like any store failure, and the caller applies
 * its policy (fail open or closed); the store's own call goes on.
 *
 * @module
 */

import type { Clock } from "./clock.ts";
import { deadline, DeadlineError } from "./http/timeout.ts";

/**
 * How long a caller waits for a shared store by default, in milliseconds
 * (the same as `@upstash/ratelimit`'s default timeout).
 */
export const STORE_TIMEOUT_MS = 1_000;

/**
 * The store did not answer in time.
 *
 * @example
 * ```ts
 * import { StoreTimeoutError } from "./deadline.ts";
 * new StoreTimeoutError("read a session", 1_000).message;
 * // "Cannot read a session: the store did not answer within 1000 ms"
 * ```
 */
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

/** A deadline: how long, on which clock. */
export interface Deadline {
  /** Milliseconds; 0 waits for ever. */
  ms: number;
  /** The clock the deadline is counted on. */
  clock: Clock;
}

/**
 * Waits for a store call until `ms` have passed on the clock.
 *
 * @param work The store call.
 * @param what What it asks of the store, for the error (`"read a session"`).
 * @param deadline How long, and on which clock.
 * @returns What the call resolves to.
 * @throws {StoreTimeoutError} When the deadline passes first.
 * @example
 * ```ts
 * import { withDeadline } from "./deadline.ts";
 * import { systemClock } from "./clock.ts";
 * await withDeadline(Promise.resolve(1), "read a value", { ms: 1_000, clock: systemClock }); // 1
 * ```
 */
export async function withDeadline<T>(
  work: Promise<T>,
  what: string,
  { ms, clock }: Deadline,
): Promise<T> {
  try {
    return await deadline(work, ms, clock);
  } catch (error) {
    throw error instanceof DeadlineError ? new StoreTimeoutError(what, ms) : error;
  }
}
