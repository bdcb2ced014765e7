/**
 * Bulk calls: many calls at once, each settled on its own, results in input order.
 *
 * @module
 */

import { type Clock, systemClock } from "./clock.ts";
import { ConcurrencyGate } from "./limits/concurrency.ts";
import { type ProgressContext, type ProgressOptions, trackProgress } from "./observe/progress.ts";

/** One call's outcome in a bulk: its value, or its error. */
export type Settled<T> =
  | { ok: true; value: T }
  | { ok: false; error: Error };

/** Options of {@link settleAll}: progress counts calls, the total known from the start. */
export interface SettleOptions extends ProgressOptions {
  /**
   * The route the calls go to, for the progress's `route`.
   * @default "*"
   */
  route?: string;
  /**
   * The clock of the progress's elapsed time and estimate.
   * @default systemClock
   */
  clock?: Pick<Clock, "now">;
}

/**
 * Runs `run` for every input, at most `concurrency` at a time, and returns
 * each outcome in input order. One failure never fails the batch.
 *
 * @param inputs The inputs.
 * @param run The call for one input.
 * @param concurrency The most calls at once (`Infinity`: all of them).
 * @param options Progress: `run` then gets a context per call for its hooks and meta.
 * @throws {RangeError} When `concurrency` is `NaN`.
 * @returns The outcomes, in input order.
 * @example
 * ```ts
 * import { settleAll } from "./bulk.ts";
 * const results = await settleAll([1, 2], (n) => n === 2 ? Promise.reject(new Error("no")) : Promise.resolve(n), 2);
 * results[0]; // { ok: true, value: 1 }
 * ```
 */
export async function settleAll<I, T>(
  inputs: readonly I[],
  run: (input: I, index: number, context?: ProgressContext) => Promise<T>,
  concurrency: number,
  options: SettleOptions = {},
): Promise<Settled<T>[]> {
  if (Number.isNaN(concurrency)) {
    throw new RangeError(`Cannot run the calls: concurrency "${concurrency}" is not a number`);
  }
  // Infinity: every call at once.
  const limit = Number.isFinite(concurrency) ? Math.floor(concurrency) : inputs.length;
  const gate = new ConcurrencyGate(Math.max(1, limit));
  const progress = trackProgress(
    options.route ?? "*",
    "calls",
    options.onProgress,
    options.clock ?? systemClock,
  );
  progress?.setTotal(inputs.length);
  const settled = await Promise.all(inputs.map(async (input, index): Promise<Settled<T>> => {
    const release = await gate.acquire();
    const context = progress?.context();
    try {
      const value = await run(input, index, context);
      progress?.step({ data: value, meta: context?.meta });
      return { ok: true, value };
    } catch (error) {
      progress?.fail();
      return { ok: false, error: error instanceof Error ? error : new Error(String(error)) };
    } finally {
      release();
    }
  }));
  progress?.finish();
  return settled;
}
