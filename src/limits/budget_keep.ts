/**
 * How long a stored error budget is kept: past its window (or its 420 block)
 * by two minutes, so an instance that starts late still reads it.
 *
 * @module
 */

import type { ErrorBudget } from "./error_limit.ts";

/** How long a stored budget outlives its window, in milliseconds. */
const KEEP_MS = 120_000;

/**
 * How long to keep a budget in the store from `now`.
 *
 * @param budget The budget.
 * @param now The current time, in epoch milliseconds.
 * @returns The lifetime in milliseconds, at least one second.
 * @example
 * ```ts
 * import { budgetTtlMs } from "./budget_keep.ts";
 * budgetTtlMs({ remain: 100, resetAt: 60_000, blockedUntil: 0 }, 0); // 180000
 * ```
 */
export function budgetTtlMs(budget: ErrorBudget, now: number): number {
  return Math.max(1_000, Math.max(budget.resetAt, budget.blockedUntil) - now + KEEP_MS);
}
