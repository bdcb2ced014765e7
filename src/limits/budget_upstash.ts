/**
 * ESI's error budget in Upstash Redis, shared by every isolate and instance
 * behind one address: a save merges with what is stored in one Lua script,
 * as `mergeBudgets` does, so concurrent writers never raise the remainder.
 *
 * @module
 */

import type { Redis } from "@upstash/redis";
import { type Clock, systemClock } from "../clock.ts";
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
   * The clock (for the key's lifetime).
   * @default systemClock
   */
  clock?: Clock;
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

  /** @param options The Redis client, the key and the clock. */
  constructor(
    { redis, key = "esikit-gateway:esi-error-budget", clock = systemClock }:
      UpstashBudgetStoreOptions,
  ) {
    this.#redis = redis;
    this.#key = key;
    this.#clock = clock;
  }

  async load(): Promise<ErrorBudget | undefined> {
    const text = await this.#redis.get(this.#key);
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
    await this.#redis.eval(MERGE_SCRIPT, [this.#key], args);
  }
}
