/**
 * Bulk calls: many calls at once, each settled on its own, results in input order.
 *
 * @module
 */

import { ConcurrencyGate } from "./limits/concurrency.ts";

/** One call's outcome in a bulk: its value, or its error. */
export type Settled<T> =
  | { ok: true; value: T }
  | { ok: false; error: Error };

/**
 * Runs `run` for every input, at most `concurrency` at a time, and returns
 * each outcome in input order. One failure never fails the batch.
 *
 * @param inputs The inputs.
 * @param run The call for one input.
 * @param concurrency The most calls at once (`Infinity`: all of them).
 * @throws {RangeError} When `concurrency` is `NaN`.
 * @returns The outcomes, in input order.
 * @example
 * ```ts
 * import { settleAll } from "@esikit/esi";
 * const results = await settleAll([1, 2], (n) => n === 2 ? Promise.reject(new Error("no")) : Promise.resolve(n), 2);
 * results[0]; // { ok: true, value: 1 }
 * ```
 */
export async function settleAll<I, T>(
  inputs: readonly I[],
  run: (input: I, index: number) => Promise<T>,
  concurrency: number,
): Promise<Settled<T>[]> {
  if (Number.isNaN(concurrency)) {
    throw new RangeError(`Cannot run the calls: concurrency "${concurrency}" is not a number`);
  }
  // Infinity: every call at once.
  const limit = Number.isFinite(concurrency) ? Math.floor(concurrency) : inputs.length;
  const gate = new ConcurrencyGate(Math.max(1, limit));
  return await Promise.all(inputs.map(async (input, index): Promise<Settled<T>> => {
    const release = await gate.acquire();
    try {
      return { ok: true, value: await run(input, index) };
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error : new Error(String(error)) };
    } finally {
      release();
    }
  }));
}
