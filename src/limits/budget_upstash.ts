/**
 * ESI's error budget in Upstash Redis, shared by every isolate and instance
 * behind one address: a save merges with what is stored in one Lua script,
 * as `mergeBudgets` does, so concurrent writers never raise the remainder.
 *
 * @module
 */

import type { Redis } from "@upstash/redis";
import { type Clock, systemClock } from "../clock.ts";
import { type Deadline, STORE_TIMEOUT_MS, withDeadline } from "../deadline.ts";
import { budgetTtlMs } from "./budget_keep.ts";
import type { ErrorBudget, ErrorBudgetStore } from "./error_limit.ts";

/**
 * Merges the given budget into the stored one in one step, as
 * `mergeBudgets` does: `remain:resetAt:blockedUntil`, integers.
 */
const MERGE_SCRIPT = `
local r, t, b = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local cur = redis.call('GET', KEYS[1])
if cur then
  local cr, ct, cb = string.match(cur, '^(%-?%d+):(%d+):(%d+)$')
  cr, ct, cb = tonumber(cr), tonumber(ct), tonumber(cb)
  if cr and ct and cb then
    b = math.max(b, cb)
    if math.abs(ct - t) < 5000 then
      r = math.min(r, cr)
      t = math.max(t, ct)
    elseif ct > t then
      r = cr
      t = ct
    end
  end
end
redis.call('SET', KEYS[1], string.format('%d:%d:%d', r, t, b), 'PX', ARGV[4])
return 1
`;

/** Options of {@link UpstashBudgetStore}. */
export interface UpstashBudgetStoreOptions {
  /** The `@upstash/redis` client. */
  redis: Pick<Redis, "get" | "eval">;
  /**
   * The key.
   * @default "esikit-gateway:esi-error-budget"
   */
  key?: string;
  /**
   * The clock (for the key's lifetime and the deadline).
   * @default systemClock
   */
  clock?: Clock;
  /**
   * How long each call may take, in milliseconds: past it the call fails
   * with `StoreTimeoutError` (the guard then keeps its own view); 0 waits
   * for ever.
   * @default 1000
   */
  timeoutMs?: number;
}

/**
 * The error budget in Upstash Redis: a Lua script (EVAL) reads, merges and
 * writes in one atomic step.
 *
 * @example
 * ```ts ignore
 * import { Redis } from "@upstash/redis";
 * import { UpstashBudgetStore } from "./budget_upstash.ts";
 * const store = new UpstashBudgetStore({ redis: new Redis({ url: "https://…", token: "…" }) });
 * ```
 */
export class UpstashBudgetStore implements ErrorBudgetStore {
  readonly #redis: Pick<Redis, "get" | "eval">;
  readonly #key: string;
  readonly #clock: Clock;
  readonly #deadline: Deadline;

  /** @param options The Redis client, the key, the clock and each call's deadline. */
  constructor(
    {
      redis,
      key = "esikit-gateway:esi-error-budget",
      clock = systemClock,
      timeoutMs = STORE_TIMEOUT_MS,
    }: UpstashBudgetStoreOptions,
  ) {
    this.#redis = redis;
    this.#key = key;
    this.#clock = clock;
    this.#deadline = { ms: timeoutMs, clock };
  }

  async load(): Promise<ErrorBudget | undefined> {
    const text = await withDeadline(
      this.#redis.get(this.#key),
      "read the error budget",
      this.#deadline,
    );
    const m = /^(-?\d+):(\d+):(\d+)$/.exec(String(text ?? ""));
    return m
      ? { remain: Number(m[1]), resetAt: Number(m[2]), blockedUntil: Number(m[3]) }
      : undefined;
  }

  async save(budget: ErrorBudget): Promise<void> {
    const args = [
      Math.floor(budget.remain),
      Math.ceil(budget.resetAt),
      Math.ceil(budget.blockedUntil),
      Math.ceil(budgetTtlMs(budget, this.#clock.now())),
    ].map(String);
    await withDeadline(
      this.#redis.eval(MERGE_SCRIPT, [this.#key], args),
      "save the error budget",
      this.#deadline,
    );
  }
}
